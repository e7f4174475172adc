/* The app side of the clocks, sleeps and alarm (syscall.h); usleep, sleep
 * are built on nanosleep here. */
#include <errno.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/times.h>
#include <time.h>
#include <unistd.h>

#include "syscall.h"

#define NS_PER_SEC      1000000000L
#define NS_PER_US       1000L
#define US_PER_SEC      1000000L

int clock_gettime(clockid_t id, struct timespec *tp)
{
    return (int)wrap_result(SYSCALL2(clock_gettime, id, tp));
}

int clock_getres(clockid_t id, struct timespec *res)
{
    return (int)wrap_result(SYSCALL2(clock_getres, id, res));
}

int clock_settime(clockid_t id, const struct timespec *tp)
{
    return (int)wrap_result(SYSCALL2(clock_settime, id, tp));
}

int _gettimeofday(struct timeval *tv, void *tz)
{
    return (int)wrap_result(SYSCALL2(gettimeofday, tv, tz));
}

clock_t _times(struct tms *buf)
{
    return (clock_t)wrap_result(SYSCALL1(times, buf));
}

int getrusage(int who, struct rusage *usage)
{
    return (int)wrap_result(SYSCALL2(getrusage, who, usage));
}

int nanosleep(const struct timespec *req, struct timespec *rem)
{
    return (int)wrap_result(SYSCALL2(nanosleep, req, rem));
}

/* Returns the error number (POSIX), not -1 and errno. */
int clock_nanosleep(clockid_t id, int flags, const struct timespec *req, struct timespec *rem)
{
    return (int)-SYSCALL4(clock_nanosleep, id, flags, req, rem);
}

int usleep(useconds_t us)
{
    struct timespec ts = { (time_t)(us / US_PER_SEC), (long)(us % US_PER_SEC) * NS_PER_US };
    return nanosleep(&ts, NULL);
}

/* The seconds left (rounded to the nearest, as glibc's) when a signal
 * handler interrupted it, else 0. */
unsigned sleep(unsigned seconds)
{
    struct timespec ts = { (time_t)seconds, 0 }, rem = { 0, 0 };
    if (nanosleep(&ts, &rem) == 0)
        return 0;
    return (unsigned)rem.tv_sec + (rem.tv_nsec >= NS_PER_SEC / 2);
}

/* Wait for a signal handler to run: always -1 with EINTR (POSIX). */
int pause(void)
{
    return (int)wrap_result(SYSCALL0(capsule_pause));
}

unsigned alarm(unsigned seconds)
{
    return (unsigned)SYSCALL1(capsule_alarm, seconds);
}
