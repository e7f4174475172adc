/* Clocks, sleeping and alarm() over libarch's timer (arch/timer.h):
 * CLOCK_MONOTONIC is the hart's `time` counter; CLOCK_REALTIME the same plus
 * the offset the RTC gave at boot; CPU time is monotonic time minus the time
 * the hart spent idle in wfi (sleeping, or waiting for input).  Sleeps are
 * events on the timer's queue with the hart in wfi until they fire. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/times.h>
#include <time.h>
#include <unistd.h>

#include <arch/console.h>
#include <arch/exit.h>
#include <arch/timer.h>
#include <mm/uvm.h>
#include <arch/mmu.h>

#include "fs.h"
#include "glue.h"
#include "proc.h"
#include "sys.h"

/* Linux's extra clocks (newlib names them only for _GNU_SOURCE). */
#ifndef CLOCK_MONOTONIC_RAW
#define CLOCK_REALTIME_COARSE   ((clockid_t)0)
#define CLOCK_MONOTONIC_RAW     ((clockid_t)5)
#define CLOCK_MONOTONIC_COARSE  ((clockid_t)6)
#define CLOCK_BOOTTIME          ((clockid_t)7)
#endif
#include "user.h"

#define NS_PER_SEC      1000000000LL
#define NS_PER_US       1000LL
#define US_PER_SEC      1000000LL

/* Set once by time_init, read-only afterwards. */
static int64_t realtime_offset_ns;      /* wall time - monotonic time */
/* Ticks the hart spent in wfi; changed only by the waiting code (the app's
 * context, never an interrupt). */
static uint64_t idle_ticks;
/* Signals raised by the timer interrupt for the app's handlers, delivered
 * at the next wait (sleep, read, pause): set in the interrupt, cleared by
 * the app's context with interrupts off. */
static volatile uint32_t pending_signals;

/* Contract in glue.h. */
void time_init(void)
{
    uint64_t wall = rtc_read_ns();
    if (wall)
        realtime_offset_ns = (int64_t)(wall - timer_ticks_to_ns(timer_now()));
}

static inline uint64_t monotonic_ns(void)
{
    return timer_ticks_to_ns(timer_now());
}

static inline uint64_t cpu_ns(void)
{
    return timer_ticks_to_ns(timer_now() - idle_ticks);
}

static inline struct timespec to_timespec(uint64_t ns)
{
    return (struct timespec){ (time_t)(ns / NS_PER_SEC), (long)(ns % NS_PER_SEC) };
}

static inline struct timeval to_timeval(uint64_t ns)
{
    return (struct timeval){ (time_t)(ns / NS_PER_SEC), (suseconds_t)(ns % NS_PER_SEC / NS_PER_US) };
}

/* The clock's time in ns, or -1 for a clock Capsule does not have. */
static inline int64_t clock_ns(clockid_t id)
{
    if (__builtin_expect(id == CLOCK_MONOTONIC, 1))
        return (int64_t)monotonic_ns();
    if (__builtin_expect(id == CLOCK_REALTIME, 1))
        return (int64_t)monotonic_ns() + realtime_offset_ns;
    switch (id) {
    case CLOCK_MONOTONIC: case CLOCK_MONOTONIC_RAW: case CLOCK_MONOTONIC_COARSE: case CLOCK_BOOTTIME:
        return (int64_t)monotonic_ns();
    case CLOCK_REALTIME: case CLOCK_REALTIME_COARSE:
        return (int64_t)monotonic_ns() + realtime_offset_ns;
    case CLOCK_PROCESS_CPUTIME_ID: case CLOCK_THREAD_CPUTIME_ID:
        return (int64_t)cpu_ns();
    default:
        return -1;
    }
}

/* Contract in fs.h: CLOCK_REALTIME, for the file system's times. */
struct timespec glue_realtime(void)
{
    return to_timespec((uint64_t)clock_ns(CLOCK_REALTIME));
}

_Static_assert(sizeof(struct timespec) == 2 * sizeof(uint64_t), "timespec is two words");

/* Contract in sys.h.  In priv=supervisor no trap: rdtime, a multiply, the
 * checked store (bench: "clock_gettime"). */
long sys_clock_gettime(clockid_t id, struct timespec *tp)
{
    int64_t ns = clock_ns(id);
    if (__builtin_expect(ns < 0, 0))
        return -EINVAL;
    if (__builtin_expect(user_put_pair(tp, (uint64_t)ns / NS_PER_SEC, (uint64_t)ns % NS_PER_SEC) == 0, 1))
        return 0;
    return -EFAULT;
}

/* Every clock ticks with the `time` counter.  res may be NULL (Linux). */
long sys_clock_getres(clockid_t id, struct timespec *res)
{
    if (clock_ns(id) < 0)
        return -EINVAL;
    uint64_t tick_ns = (uint64_t)(NS_PER_SEC + (int64_t)timer_hz() - 1) / timer_hz();
    if (res && user_put(res, to_timespec(tick_ns)) < 0)
        return -EFAULT;
    return 0;
}

/* Setting the clocks is not offered (Linux's answer to an unprivileged caller). */
long sys_clock_settime(clockid_t id, const struct timespec *tp)
{
    (void)id, (void)tp;
    return -EPERM;
}

/* Wall time; tz (obsolete) reads as zeros.  NULL pointers are allowed. */
long sys_gettimeofday(struct timeval *tv, void *tz)
{
    struct timezone zone = { 0, 0 };
    if ((tv && user_put(tv, to_timeval((uint64_t)clock_ns(CLOCK_REALTIME))) < 0) ||
        (tz && user_write(tz, &zone, sizeof zone) < 0))
        return -EFAULT;
    return 0;
}

/* Times in CLOCKS_PER_SEC units (newlib's clock() adds tms_utime and
 * tms_stime; sysconf(_SC_CLK_TCK) says the same): the app's CPU time as
 * user time, the elapsed time since boot as the result. */
long sys_times(struct tms *buf)
{
    struct tms t = { (clock_t)(cpu_ns() / (NS_PER_SEC / CLOCKS_PER_SEC)), 0, 0, 0 };
    if (buf && user_put(buf, t) < 0)
        return -EFAULT;
    return (long)(monotonic_ns() / (NS_PER_SEC / CLOCKS_PER_SEC));
}

/* ru_utime: CPU time (time not idle); ru_stime 0 (the libOS's time is not
 * told apart); ru_maxrss: the high-water mark of the frames mapped into the
 * app's space, in KiB.  RUSAGE_CHILDREN: no children yet, zeros. */
long sys_getrusage(int who, struct rusage *usage)
{
    struct rusage r = { 0 };
    if (who != RUSAGE_SELF && who != RUSAGE_CHILDREN)
        return -EINVAL;
    if (who == RUSAGE_SELF) {
        struct mm_stats st;
        mm_get_stats(&st);
        r.ru_utime = to_timeval(cpu_ns());
        r.ru_maxrss = (long)(st.resident_peak_pages * (PAGE_SIZE / 1024));
    }
    return user_put(usage, r) < 0 ? -EFAULT : 0;
}

/* ---- waiting ---------------------------------------------------------- */

/* A sleep's event (in the interrupt, whichever process runs): its
 * sleeper's flag set, the sleeper woken.  Both live in the process table,
 * in the libOS's memory, never on a process's stack, which is in an
 * address space that may not be the running one. */
static void wake(struct timer_event *ev, struct trapframe *tf)
{
    struct proc *p = ev->arg;
    (void)tf;
    p->sleep_done = 1;
    sched_wakeup((const void *)&p->sleep_done);
}

/* Contract in glue.h. */
void glue_idle_off(void)
{
    uint64_t t0 = timer_now();
    arch_wait_for_interrupt();
    idle_ticks += timer_now() - t0;
    arch_irq_save();
}

/* Contract in glue.h. */
void glue_idle(void)
{
    if (sched_others_runnable()) {
        sched_yield_now();
        arch_irq_restore(1);
        return;
    }
    uint64_t t0 = timer_now();
    arch_wait_for_interrupt();
    idle_ticks += timer_now() - t0;
}

/* Contract in glue.h: the process sleeps (others run meanwhile) until the
 * flag's event or a signal for a handler wakes it. */
int glue_wait(volatile int *done)
{
    for (;;) {
        uint64_t irq = arch_irq_save();
        if (*done || pending_signals) {
            arch_irq_restore(irq);
            return *done ? 0 : -1;
        }
        sched_sleep((const void *)done);
        arch_irq_restore(irq);
    }
}

/* Contract in glue.h. */
int glue_signals_pending(void)
{
    return pending_signals != 0;
}

/* Contract in glue.h. */
void glue_deliver_signals(void)
{
    while (pending_signals) {
        uint64_t irq = arch_irq_save();
        int sig = __builtin_ctz(pending_signals);
        pending_signals &= ~(1u << sig);
        arch_irq_restore(irq);
        glue_raise(sig);
    }
}

/* Wait until the `time` counter reaches deadline; 0, or -1 when a signal
 * handler is due first (it has run when this returns). */
static int sleep_until(uint64_t deadline)
{
    struct proc *p = proc_current;
    struct timer_event *ev = &p->sleep_timer;
    p->sleep_done = 0;
    ev->deadline = deadline;
    ev->fn = wake;
    ev->arg = p;
    timer_add(ev);
    int r = glue_wait(&p->sleep_done);
    timer_cancel(ev);
    if (r < 0)
        glue_deliver_signals();
    return r;
}

/* Ticks from now until ts (relative), saturating. */
static uint64_t deadline_after(const struct timespec *ts)
{
    uint64_t ns = (uint64_t)ts->tv_sec > UINT64_MAX / NS_PER_SEC ? UINT64_MAX
                : (uint64_t)ts->tv_sec * NS_PER_SEC + (uint64_t)ts->tv_nsec;
    uint64_t ticks = timer_ns_to_ticks(ns), now = timer_now();
    return ticks > TIMER_NEVER - now ? TIMER_NEVER : now + ticks;
}

/* Store what is left until deadline in *rem (an app pointer; NULL: none). */
static int put_remaining(struct timespec *rem, uint64_t deadline)
{
    uint64_t now = timer_now();
    uint64_t left = deadline > now ? timer_ticks_to_ns(deadline - now) : 0;
    return rem && user_put(rem, to_timespec(left)) < 0 ? -EFAULT : 0;
}

static int valid_timespec(const struct timespec *ts)
{
    return ts->tv_sec >= 0 && ts->tv_nsec >= 0 && ts->tv_nsec < NS_PER_SEC;
}

/* The error number for a sleep of req on the monotonic time line (deadline
 * computed by to_deadline), as clock_nanosleep returns it; rem gets the
 * time left after an interruption (relative sleeps only). */
static int do_sleep(const struct timespec *ureq, struct timespec *rem, int absolute, int64_t offset_ns)
{
    struct timespec req;
    if (user_read(&req, ureq, sizeof req) < 0)
        return EFAULT;
    if (!valid_timespec(&req))
        return EINVAL;
    uint64_t deadline;
    if (absolute) {
        int64_t ns = (int64_t)((uint64_t)req.tv_sec * NS_PER_SEC + (uint64_t)req.tv_nsec) - offset_ns;
        deadline = ns <= 0 ? 0 : timer_ns_to_ticks((uint64_t)ns);
    } else {
        deadline = deadline_after(&req);
    }
    if (sleep_until(deadline) == 0)
        return 0;
    if (!absolute && put_remaining(rem, deadline) < 0)
        return EFAULT;
    return EINTR;
}

/* Contract in sys.h. */
long sys_nanosleep(const struct timespec *req, struct timespec *rem)
{
    return -do_sleep(req, rem, 0, 0);
}

/* Contract in sys.h: -the error number (clock_nanosleep returns it).  The
 * CPU-time clocks cannot be slept on (Linux: ENOTSUP for the thread's;
 * Capsule also for the process's). */
long sys_clock_nanosleep(clockid_t id, int flags, const struct timespec *req, struct timespec *rem)
{
    int64_t offset;
    switch (id) {
    case CLOCK_MONOTONIC: case CLOCK_BOOTTIME:
        offset = 0;
        break;
    case CLOCK_REALTIME:
        offset = realtime_offset_ns;
        break;
    case CLOCK_PROCESS_CPUTIME_ID: case CLOCK_THREAD_CPUTIME_ID:
        return -ENOTSUP;
    default:
        return -EINVAL;
    }
    return -do_sleep(req, rem, (flags & TIMER_ABSTIME) != 0, offset);
}

/* Contract in sys.h: wait for a signal handler to run: always -EINTR
 * (POSIX). */
long sys_capsule_pause(void)
{
    volatile int never = 0;
    glue_wait(&never);
    glue_deliver_signals();
    return -EINTR;
}

/* ---- alarm ------------------------------------------------------------- */

static struct timer_event alarm_event;

/* In the timer interrupt: SIGALRM's default action ends the app as Linux's
 * does (status 128 + 14, signal.c); a handler runs at the app's next wait. */
static void alarm_fire(struct timer_event *ev, struct trapframe *tf)
{
    (void)ev, (void)tf;
    _sig_func_ptr f = glue_disposition(SIGALRM);
    if (f == SIG_IGN)
        return;
    if (f == SIG_DFL)
        signal_default_action(SIGALRM);     /* a capsule: line and 142; never returns */
    pending_signals |= 1u << SIGALRM;
    sched_wakeup(NULL);                     /* a sleeper returns EINTR after the handler */
}

/* Contract in sys.h. */
long sys_capsule_alarm(unsigned seconds)
{
    uint64_t now = timer_now();
    unsigned left = 0;
    if (timer_cancel(&alarm_event)) {
        uint64_t ns = alarm_event.deadline > now ? timer_ticks_to_ns(alarm_event.deadline - now) : 0;
        left = (unsigned)((ns + NS_PER_SEC - 1) / NS_PER_SEC);
        if (left == 0)
            left = 1;       /* due now: still counts as pending (Linux rounds so) */
    }
    if (seconds) {
        alarm_event.deadline = now + timer_ns_to_ticks((uint64_t)seconds * NS_PER_SEC);
        alarm_event.fn = alarm_fire;
        timer_add(&alarm_event);
    }
    return left;
}
