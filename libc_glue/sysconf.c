/* The system's numbers the app side asks for: sysconf's, and what tests
 * and examples read about the libOS (free frames) -- system calls, so they
 * reach U-mode (priv=user) the same way. */
#include <errno.h>
#include <time.h>
#include <unistd.h>

#include <arch/mmu.h>
#include <mm/kalloc.h>
#include <mm/page.h>
#include <mm/uvm.h>

#include "glue.h"
#include "sys.h"

/* Contract in sys.h. */
long sys_capsule_sysconf(int name)
{
    switch (name) {
    case _SC_PAGESIZE:
        return (long)PAGE_SIZE;
    case _SC_PHYS_PAGES:
        return (long)page_total_count();
    case _SC_AVPHYS_PAGES:
        return (long)page_free_count();
    case _SC_CLK_TCK:           /* times() counts in clock()'s units */
        return CLOCKS_PER_SEC;
    case _SC_NPROCESSORS_CONF:
    case _SC_NPROCESSORS_ONLN:
        return 1;
    default:
        return -EINVAL;
    }
}

/* Contract in sys.h. */
long sys_capsule_info(int what)
{
    switch (what) {
    case CAPSULE_INFO_FREE_FRAMES:
        kalloc_drain();
        page_drain_caches();
        return (long)page_free_count();
    case CAPSULE_INFO_FREE_FRAMES_NOW:
        return (long)page_free_count();
    case CAPSULE_INFO_ICOUNT:
        return capsule_icount_on();
    case CAPSULE_INFO_MM_INIT_INSTRET:
        return (long)capsule_mm_init_instret_value();
    case CAPSULE_INFO_PEAK_RSS_RESET:
        mm_resident_peak_reset();
        return 0;
    default:
        return -EINVAL;
    }
}
