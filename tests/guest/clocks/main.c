/* Clocks, sleeping, alarm and getrusage, one scenario per argument.  Each
 * prints what it measured and "ok <scenario>" or "FAIL <scenario>: why";
 * the exit status is the number of failures.  Bounds are relative to the
 * same run (a busy loop's cost), never instruction figures. */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/times.h>
#include <time.h>
#include <unistd.h>

#define NS_PER_SEC  1000000000LL
#define NS_PER_MS   1000000LL

static int failures;

static void check(int ok, const char *name, const char *why)
{
    if (ok) {
        printf("ok %s\n", name);
    } else {
        printf("FAIL %s: %s\n", name, why);
        failures++;
    }
}

static int64_t now_ns(clockid_t id)
{
    struct timespec ts;
    if (clock_gettime(id, &ts) != 0)
        return -1;
    return (int64_t)ts.tv_sec * NS_PER_SEC + ts.tv_nsec;
}

static uint64_t instret(void)
{
    uint64_t v;
    __asm__ volatile("rdinstret %0" : "=r"(v));
    return v;
}

static volatile uint64_t sink;

static void busy_ns(int64_t ns)
{
    int64_t end = now_ns(CLOCK_MONOTONIC) + ns;
    while (now_ns(CLOCK_MONOTONIC) < end)
        sink++;
}

/* Monotonic time never goes back over many reads, and a busy loop advances it. */
static void monotonic(void)
{
    int64_t prev = now_ns(CLOCK_MONOTONIC), back = 0;
    for (int i = 0; i < 200000; i++) {
        int64_t t = now_ns(CLOCK_MONOTONIC);
        back += t < prev;
        prev = t;
    }
    check(back == 0, "monotonic never goes back", "a later read was earlier");
    int64_t t0 = now_ns(CLOCK_MONOTONIC);
    for (int i = 0; i < 3000000; i++)
        sink += i;
    int64_t t1 = now_ns(CLOCK_MONOTONIC);
    printf("busy loop of 3M iterations: %lld us\n", (long long)((t1 - t0) / 1000));
    check(t1 > t0, "monotonic advances across a busy loop", "no time passed");
    struct timespec res;
    check(clock_getres(CLOCK_MONOTONIC, &res) == 0 && res.tv_sec == 0 && res.tv_nsec > 0 &&
          res.tv_nsec <= 1000, "clock_getres gives the timebase tick", "not a sub-microsecond tick");
}

/* nanosleep(100 ms) takes 100 ms of monotonic time (plus at most a tick and
 * the wake-up), and is not CPU time.  (The instruction counts are printed,
 * not checked: under QEMU, rdinstret counts host ticks without -icount and
 * includes the idle time warp with it; the "idle" scenario checks that the
 * hart waits, by the host CPU time QEMU uses.) */
static void sleeping(void)
{
    uint64_t b0 = instret();
    busy_ns(10 * NS_PER_MS);
    uint64_t busy_10ms = instret() - b0;

    struct timespec res, req = { 0, 100 * NS_PER_MS };
    clock_getres(CLOCK_MONOTONIC, &res);
    int64_t c0 = now_ns(CLOCK_PROCESS_CPUTIME_ID);
    int64_t t0 = now_ns(CLOCK_MONOTONIC);
    uint64_t i0 = instret();
    int r = nanosleep(&req, NULL);
    uint64_t slept_instr = instret() - i0;
    int64_t took = now_ns(CLOCK_MONOTONIC) - t0;
    int64_t cpu = now_ns(CLOCK_PROCESS_CPUTIME_ID) - c0;
    printf("nanosleep(100 ms): returned %d after %lld us; %llu instructions while asleep "
           "(busy-waiting 10 ms: %llu); CPU time %lld us\n", r, (long long)(took / 1000),
           (unsigned long long)slept_instr, (unsigned long long)busy_10ms, (long long)(cpu / 1000));
    check(r == 0 && took >= 100 * NS_PER_MS, "nanosleep(100 ms) waits at least 100 ms", "woke early");
    check(took <= 100 * NS_PER_MS + res.tv_nsec + 20 * NS_PER_MS, "nanosleep(100 ms) wakes within a tick "
          "(plus the host's scheduling slack)", "woke late");
    check(cpu < 25 * NS_PER_MS, "sleeping does not count as CPU time (a quarter of it at most, for the "
          "host's scheduling)", "CPU time grew");

    struct timespec bad = { 0, NS_PER_SEC };
    errno = 0;
    check(nanosleep(&bad, NULL) == -1 && errno == EINVAL, "nanosleep: tv_nsec = 1e9 is EINVAL", "not EINVAL");
    bad = (struct timespec){ -1, 0 };
    errno = 0;
    check(nanosleep(&bad, NULL) == -1 && errno == EINVAL, "nanosleep: negative seconds is EINVAL", "not EINVAL");
    t0 = now_ns(CLOCK_MONOTONIC);
    check(usleep(20000) == 0 && now_ns(CLOCK_MONOTONIC) - t0 >= 20 * NS_PER_MS, "usleep(20000) waits 20 ms",
          "short");
    struct timespec abs;
    clock_gettime(CLOCK_MONOTONIC, &abs);
    abs.tv_nsec += 30 * NS_PER_MS;
    if (abs.tv_nsec >= NS_PER_SEC) {
        abs.tv_sec++;
        abs.tv_nsec -= NS_PER_SEC;
    }
    int e = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &abs, NULL);
    check(e == 0 && now_ns(CLOCK_MONOTONIC) >= (int64_t)abs.tv_sec * NS_PER_SEC + abs.tv_nsec,
          "clock_nanosleep(TIMER_ABSTIME) wakes at the deadline", "early");
}

/* The process's CPU time and clock() advance with work. */
static void cpu_time(void)
{
    clock_t c0 = clock();
    int64_t p0 = now_ns(CLOCK_PROCESS_CPUTIME_ID);
    busy_ns(50 * NS_PER_MS);
    clock_t c1 = clock();
    int64_t p1 = now_ns(CLOCK_PROCESS_CPUTIME_ID);
    printf("50 ms busy: clock() %ld -> %ld; CPU-time clock +%lld us\n", (long)c0, (long)c1,
           (long long)((p1 - p0) / 1000));
    check(c1 - c0 >= 45 * (CLOCKS_PER_SEC / 1000), "clock() counts 50 ms of work", "too little");
    check(p1 - p0 >= 45 * NS_PER_MS, "CLOCK_PROCESS_CPUTIME_ID counts 50 ms of work", "too little");
    struct tms t;
    clock_t elapsed = times(&t);
    check(elapsed > 0 && t.tms_utime > 0 && sysconf(_SC_CLK_TCK) == CLOCKS_PER_SEC,
          "times() reports elapsed and user time in _SC_CLK_TCK units", "zero");
    struct rusage ru;
    check(getrusage(RUSAGE_SELF, &ru) == 0 && (ru.ru_utime.tv_sec > 0 || ru.ru_utime.tv_usec >= 45000),
          "getrusage ru_utime counts the work", "too little");
}

/* Wall time from the RTC: printed for the runner to compare with the host's clock. */
static void wall(void)
{
    struct timeval tv;
    struct timespec ts;
    time_t t = time(NULL);
    check(gettimeofday(&tv, NULL) == 0 && clock_gettime(CLOCK_REALTIME, &ts) == 0,
          "gettimeofday and CLOCK_REALTIME succeed", "failed");
    printf("wall clock: time() %lld gettimeofday %lld CLOCK_REALTIME %lld\n", (long long)t,
           (long long)tv.tv_sec, (long long)ts.tv_sec);
    check(tv.tv_sec - t <= 1 && ts.tv_sec - t <= 1 && t > 1600000000, "the three wall clocks agree",
          "they differ");
}

/* ru_maxrss grows by the memory touched (8 MiB), give or take the page
 * tables and the heap's own bookkeeping. */
static void peak_memory(void)
{
    struct rusage before, after, later;
    getrusage(RUSAGE_SELF, &before);
    size_t n = 8u << 20;
    char *volatile p = malloc(n);
    memset(p, 1, n);
    sink += (uint64_t)p[n - 1];
    getrusage(RUSAGE_SELF, &after);
    free(p);
    getrusage(RUSAGE_SELF, &later);
    long grew = after.ru_maxrss - before.ru_maxrss;
    printf("ru_maxrss: %ld KiB before, %ld KiB after touching 8 MiB, %ld KiB after freeing it\n",
           before.ru_maxrss, after.ru_maxrss, later.ru_maxrss);
    check(before.ru_maxrss > 0, "ru_maxrss counts the app's memory at start", "zero");
    check(grew >= 8192 && grew <= 8192 + 1024, "ru_maxrss grows by the 8 MiB touched", "does not match");
    check(later.ru_maxrss == after.ru_maxrss, "ru_maxrss is a peak: freeing keeps it", "it fell");
}

static volatile int alarms;

static void on_alarm(int sig)
{
    (void)sig;
    alarms++;
}

/* A SIGALRM handler interrupts sleep(): it runs, and sleep returns the
 * seconds left. */
static void alarm_handler(void)
{
    signal(SIGALRM, on_alarm);
    int64_t t0 = now_ns(CLOCK_MONOTONIC);
    unsigned pending = alarm(1);
    unsigned left = sleep(5);
    int64_t took = now_ns(CLOCK_MONOTONIC) - t0;
    printf("sleep(5) with alarm(1): %u s left after %lld ms, handler ran %d time(s)\n", left,
           (long long)(took / NS_PER_MS), alarms);
    check(pending == 0, "alarm(1) with none pending returns 0", "nonzero");
    check(alarms == 1 && left == 4 && took >= NS_PER_SEC && took < 2 * NS_PER_SEC,
          "SIGALRM's handler interrupts sleep, which returns the time left", "wrong");
    alarm(3);
    check(alarm(0) == 3, "alarm(0) cancels and returns the seconds left", "wrong");
    struct timespec req = { 2, 0 }, rem = { 0, 0 };
    signal(SIGALRM, on_alarm);     /* newlib resets a handler to SIG_DFL when it runs */
    alarm(1);
    errno = 0;
    int r = nanosleep(&req, &rem);
    check(r == -1 && errno == EINTR && rem.tv_sec == 0 && rem.tv_nsec > 0,
          "nanosleep interrupted by a handler: EINTR and the time left", "wrong");
}

/* Bad pointers give EFAULT where Linux's vDSO would crash the host run
 * (so they are not in the posix_time differential).  time(bad) is left
 * out: newlib's time() stores in the app itself, which faults as on Linux. */
static void efault(void)
{
    void *volatile kernel = (void *)(uintptr_t)0xffffffc080000000ull;
    void *volatile high = (void *)(uintptr_t)0x0000004000000000ull;    /* just past the user half */
    errno = 0;
    check(clock_gettime(CLOCK_MONOTONIC, kernel) == -1 && errno == EFAULT,
          "clock_gettime through a kernel address: EFAULT", "not EFAULT");
    errno = 0;
    check(clock_gettime(CLOCK_REALTIME, high) == -1 && errno == EFAULT,
          "clock_gettime past the user half: EFAULT", "not EFAULT");
    errno = 0;
    check(clock_getres(CLOCK_MONOTONIC, kernel) == -1 && errno == EFAULT,
          "clock_getres through a kernel address: EFAULT", "not EFAULT");
    errno = 0;
    check(gettimeofday(kernel, NULL) == -1 && errno == EFAULT, "gettimeofday(kernel address): EFAULT",
          "not EFAULT");
    errno = 0;
    check(gettimeofday(NULL, kernel) == -1 && errno == EFAULT, "gettimeofday(NULL, kernel tz): EFAULT",
          "not EFAULT");
    errno = 0;
    check(times(kernel) == (clock_t)-1 && errno == EFAULT, "times(kernel address): EFAULT", "not EFAULT");
    /* x86-64 glibc returns 0 too; riscv64 glibc stores through the NULL tv
     * and crashes (POSIX leaves a NULL tv unspecified). */
    check(gettimeofday(NULL, NULL) == 0, "gettimeofday(NULL, NULL): 0", "not 0");
}

/* Under -icount with sleep=off (virtual time jumps to the next deadline
 * while the hart waits), nanosleep(100 ms) ends within a tick of 100 ms
 * plus the wake-up path's few microseconds, and takes no CPU time. */
static void sleep_exact(void)
{
    struct timespec res, req = { 0, 100 * NS_PER_MS };
    clock_getres(CLOCK_MONOTONIC, &res);
    int64_t c0 = now_ns(CLOCK_PROCESS_CPUTIME_ID), t0 = now_ns(CLOCK_MONOTONIC);
    int r = nanosleep(&req, NULL);
    int64_t took = now_ns(CLOCK_MONOTONIC) - t0, cpu = now_ns(CLOCK_PROCESS_CPUTIME_ID) - c0;
    printf("nanosleep(100 ms) under -icount: %lld ns, CPU time %lld ns\n", (long long)took, (long long)cpu);
    check(r == 0 && took >= 100 * NS_PER_MS && took <= 100 * NS_PER_MS + res.tv_nsec + 20000,
          "nanosleep(100 ms) takes 100 ms within a tick (+ the wake-up path)", "off");
    check(cpu <= 20000, "the sleep is not CPU time", "it is");
}

/* Sleep 2 s: the runner checks that QEMU used little host CPU meanwhile. */
static void idle(void)
{
    check(sleep(2) == 0, "sleep(2) returns 0", "nonzero");
}

/* SIGALRM's default action ends the app (status 142). */
static void alarm_default(void)
{
    alarm(1);
    printf("waiting for the alarm\n");
    fflush(stdout);
    for (;;)
        sink++;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "monotonic"))
            monotonic();
        else if (!strcmp(argv[i], "sleep"))
            sleeping();
        else if (!strcmp(argv[i], "cpu"))
            cpu_time();
        else if (!strcmp(argv[i], "wall"))
            wall();
        else if (!strcmp(argv[i], "rusage"))
            peak_memory();
        else if (!strcmp(argv[i], "alarm"))
            alarm_handler();
        else if (!strcmp(argv[i], "sleep_exact"))
            sleep_exact();
        else if (!strcmp(argv[i], "efault"))
            efault();
        else if (!strcmp(argv[i], "idle"))
            idle();
        else if (!strcmp(argv[i], "alarm_default"))
            alarm_default();
        else
            check(0, argv[i], "unknown scenario");
    }
    printf("clocks: %d failure(s)\n", failures);
    return failures;
}
