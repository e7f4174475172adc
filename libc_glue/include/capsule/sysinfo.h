/* What a program may ask the libOS about the system, in either mode
 * (priv=user: by system call): for tests and examples that check memory
 * comes back. */
#ifndef CAPSULE_SYSINFO_H
#define CAPSULE_SYSINFO_H

/* The free physical frames (4 KiB), with every allocator cache given back
 * first, so that two counts taken around some work compare exactly. */
unsigned long capsule_free_frames(void);
/* The same without giving the caches back first: cheap enough to sample
 * often (a peak), but frames parked in a cache count as in use. */
unsigned long capsule_free_frames_now(void);

#endif
