/* The app side of sysconf, getpagesize and Capsule's own questions
 * (capsule/measure.h, capsule/boot.h): system calls (syscall.h). */
#include <errno.h>
#include <unistd.h>

#include <capsule/boot.h>
#include <capsule/measure.h>
#include <capsule/sysinfo.h>

#include "syscall.h"

#define PAGE_BYTES  4096

long sysconf(int name)
{
    return wrap_result(SYSCALL1(capsule_sysconf, name));
}

int getpagesize(void)
{
    return PAGE_BYTES;
}

/* Contract in capsule/measure.h. */
int capsule_icount(void)
{
    return (int)SYSCALL1(capsule_info, CAPSULE_INFO_ICOUNT);
}

/* Contract in capsule/boot.h. */
uint64_t capsule_mm_init_instret(void)
{
    return (uint64_t)SYSCALL1(capsule_info, CAPSULE_INFO_MM_INIT_INSTRET);
}

/* Contract in capsule/sysinfo.h. */
unsigned long capsule_free_frames(void)
{
    return (unsigned long)SYSCALL1(capsule_info, CAPSULE_INFO_FREE_FRAMES);
}

/* Contract in capsule/sysinfo.h. */
unsigned long capsule_free_frames_now(void)
{
    return (unsigned long)SYSCALL1(capsule_info, CAPSULE_INFO_FREE_FRAMES_NOW);
}

/* Contract in capsule/measure.h. */
void capsule_peak_rss_reset(void)
{
    SYSCALL1(capsule_info, CAPSULE_INFO_PEAK_RSS_RESET);
}
