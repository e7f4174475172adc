/* Linux stand-in for libmm's <mm/page.h> (see mm/types.h here): the free
 * page count is the kernel's (sysinfo), whose per-CPU page lists are not
 * counted free, so a peak read from it is approximate. */
#ifndef SHIM_MM_PAGE_H
#define SHIM_MM_PAGE_H

#include <sys/sysinfo.h>

#include <mm/types.h>

/* Free 4 KiB pages in the whole system. */
static inline uint64 page_free_count(void)
{
    struct sysinfo si;
    return sysinfo(&si) == 0 ? (uint64)si.freeram * si.mem_unit / 4096 : 0;
}

/* Nothing to drain from user space. */
static inline void page_drain_caches(void)
{
}

#endif
