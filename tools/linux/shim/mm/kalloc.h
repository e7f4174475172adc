/* Linux stand-in for libmm's <mm/kalloc.h> (see mm/types.h here). */
#ifndef SHIM_MM_KALLOC_H
#define SHIM_MM_KALLOC_H

/* Nothing to give back: the kernel keeps its own caches. */
static inline void kalloc_drain(void)
{
}

#endif
