/* newlib 3.3's <unistd.h>, plus what programs written for Linux find there
 * and newlib leaves out: brk(). */
#ifndef CAPSULE_UNISTD_H
#define CAPSULE_UNISTD_H

#include_next <unistd.h>

/* Set the program break to addr: 0, or -1 with ENOMEM (the break is then
 * unchanged: below the heap's start, past the app's half, into a mapping,
 * or more than the commit policy allows -- docs/memory.md). */
int brk(void *addr);

#endif
