/* sysconf and getpagesize: the page size and the RAM libmm manages. */
#include <errno.h>
#include <time.h>
#include <unistd.h>

#include <arch/mmu.h>
#include <mm/page.h>

long sysconf(int name)
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
        errno = EINVAL;
        return -1;
    }
}

int getpagesize(void)
{
    return (int)PAGE_SIZE;
}
