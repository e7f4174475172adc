/* Signals: kill between processes and to oneself, and raise/abort for a
 * signal left at SIG_DFL (newlib's raise runs handlers itself): each
 * signal's default action as on Linux (signal(7)).  Statuses are 128 + Linux's number for the
 * signal, as a shell on Linux shows them (newlib numbers some signals
 * differently, e.g. SIGBUS 10 against Linux's 7). */
#include <errno.h>
#include <reent.h>
#include <signal.h>

#include <arch/exit.h>
#include <arch/timer.h>
#include <unistd.h>

#include "glue.h"
#include "proc.h"
#include "sys.h"
#include "user.h"

#define APP_PID         1
#define STATUS_SIGNALED 128

enum default_action { ACT_IGNORE, ACT_TERM, ACT_CORE, ACT_STOP };

struct signal_default {
    const char         *name;
    unsigned char       linux_number;
    unsigned char       action;
};

/* By newlib's numbers; a gap (no name) is a number Linux has no signal for. */
static const struct signal_default defaults[NSIG] = {
    [SIGHUP] = { "SIGHUP", 1, ACT_TERM },       [SIGINT] = { "SIGINT", 2, ACT_TERM },
    [SIGQUIT] = { "SIGQUIT", 3, ACT_CORE },     [SIGILL] = { "SIGILL", 4, ACT_CORE },
    [SIGTRAP] = { "SIGTRAP", 5, ACT_CORE },     [SIGABRT] = { "SIGABRT", 6, ACT_CORE },
    [SIGFPE] = { "SIGFPE", 8, ACT_CORE },       [SIGKILL] = { "SIGKILL", 9, ACT_TERM },
    [SIGBUS] = { "SIGBUS", 7, ACT_CORE },       [SIGSEGV] = { "SIGSEGV", 11, ACT_CORE },
    [SIGSYS] = { "SIGSYS", 31, ACT_CORE },      [SIGPIPE] = { "SIGPIPE", 13, ACT_TERM },
    [SIGALRM] = { "SIGALRM", 14, ACT_TERM },    [SIGTERM] = { "SIGTERM", 15, ACT_TERM },
    [SIGURG] = { "SIGURG", 23, ACT_IGNORE },    [SIGSTOP] = { "SIGSTOP", 19, ACT_STOP },
    [SIGTSTP] = { "SIGTSTP", 20, ACT_STOP },    [SIGCONT] = { "SIGCONT", 18, ACT_IGNORE },
    [SIGCHLD] = { "SIGCHLD", 17, ACT_IGNORE },  [SIGTTIN] = { "SIGTTIN", 21, ACT_STOP },
    [SIGTTOU] = { "SIGTTOU", 22, ACT_STOP },    [SIGIO] = { "SIGIO", 29, ACT_TERM },
    [SIGXCPU] = { "SIGXCPU", 24, ACT_CORE },    [SIGXFSZ] = { "SIGXFSZ", 25, ACT_CORE },
    [SIGVTALRM] = { "SIGVTALRM", 26, ACT_TERM }, [SIGPROF] = { "SIGPROF", 27, ACT_TERM },
    [SIGWINCH] = { "SIGWINCH", 28, ACT_IGNORE }, [SIGUSR1] = { "SIGUSR1", 10, ACT_TERM },
    [SIGUSR2] = { "SIGUSR2", 12, ACT_TERM },
};

/* Contract in glue.h. */
int signal_linux_number(int sig)
{
    return sig > 0 && sig < NSIG ? defaults[sig].linux_number : 0;
}

/* Contract in glue.h. */
int signal_from_linux(int linux_number)
{
    for (int sig = 1; sig < NSIG; sig++)
        if (defaults[sig].name && defaults[sig].linux_number == linux_number)
            return sig;
    return 0;
}

/* Contract in glue.h. */
int signal_default_ends(int sig)
{
    return defaults[sig].action == ACT_TERM || defaults[sig].action == ACT_CORE;
}

/* Contract in glue.h.  The line names the first process "the app" (as
 * before processes) and any other by its pid. */
void signal_default_action(int sig)
{
    const struct signal_default *d = &defaults[sig];
    int status = STATUS_SIGNALED + d->linux_number;
    int pid = proc_current->pid;
    if (!signal_default_ends(sig))
        return;     /* ignored; a stop is ignored too: nothing could continue the process */
#ifdef CAPSULE_PRIV_USER
    /* The backtrace is the app's: from its last trap into the libOS. */
    if (d->action == ACT_CORE && pid == APP_PID)
        arch_fatal_frame(status, proc_user_frame(proc_current), "the app was ended by %s (signal %d)",
                         d->name, d->linux_number);
    if (d->action == ACT_CORE)
        arch_fatal_frame(status, proc_user_frame(proc_current), "process %d was ended by %s (signal %d)",
                         pid, d->name, d->linux_number);
#endif
    if (pid == APP_PID)
        arch_fatal(status, d->action == ACT_CORE, "the app was ended by %s (signal %d)", d->name,
                   d->linux_number);
    arch_fatal(status, d->action == ACT_CORE, "process %d was ended by %s (signal %d)", pid,
               d->name, d->linux_number);
}

/* Contract in glue.h. */
void signal_quiet_end(int sig)
{
    if (proc_current->pid == APP_PID)
        signal_default_action(sig);
    proc_exit(sig, STATUS_SIGNALED + defaults[sig].linux_number, 1);
}

/* Deliver sig to q (a live process other than the caller): a signal whose
 * default action ends a process ends q when it next runs (waking it if it
 * sleeps), without a report, as on Linux; others have no effect (default
 * actions only: handlers in other processes are not run). */
static void deliver(struct proc *q, int sig)
{
    if (sig == 0 || !signal_default_ends(sig) || q->state == PROC_ZOMBIE)
        return;
    uint64_t irq = arch_irq_save();
    q->killed = sig;
    sched_wake_proc(q);
    arch_irq_restore(irq);
}

/* Whether kill's pid names q: pid > 0 that process; 0 every process (all
 * share one process group); -1 every process but the first and the
 * caller; below -1 a process group other than the one: none. */
static int named(const struct proc *q, int pid)
{
    if (q->state == PROC_FREE)
        return 0;
    if (pid > 0)
        return q->pid == pid;
    if (pid == -1)
        return q->pid != APP_PID && q != proc_current;
    return pid == 0;
}

/* Contract in sys.h.  kill(pid, sig): default actions only (signal.c's
 * table), sig 0 checks that pid exists; signal numbers are newlib's.
 * EINVAL for a signal Linux does not have, before ESRCH, as Linux checks.
 * The caller's own signal is acted on last. */
long sys_kill(pid_t pid, int sig)
{
    int found = 0, self = 0;
    if (sig < 0 || sig >= NSIG || (sig != 0 && !defaults[sig].name))
        return -EINVAL;
    for (int i = 0; i < NPROC; i++) {
        struct proc *q = proc_slot(i);
        if (!named(q, pid))
            continue;
        found = 1;
        if (q == proc_current)
            self = 1;
        else
            deliver(q, sig);
    }
    if (!found)
        return -ESRCH;
    if (self && sig != 0)
        signal_default_action(sig);
    return 0;
}

/* ---- the app's handlers ---- */

/* newlib's signal() keeps the dispositions in the app's reentrancy
 * structure (_impure_ptr->_sig_func), app memory: read through the checked
 * copies.  In priv=user the libOS is linked apart from newlib, and the
 * linker script names the app's _impure_ptr capsule_app_impure_ptr. */
#ifdef CAPSULE_PRIV_USER
extern struct _reent *capsule_app_impure_ptr;
#define APP_IMPURE_PTR  (&capsule_app_impure_ptr)
#else
#define APP_IMPURE_PTR  (&_impure_ptr)
#endif

/* Contract in glue.h. */
_sig_func_ptr glue_disposition(int sig)
{
    struct _reent *r;
    _sig_func_ptr *table, f;
    if (user_read(&r, APP_IMPURE_PTR, sizeof r) < 0 || !r ||
        user_read(&table, &r->_sig_func, sizeof table) < 0 || !table ||
        user_read(&f, &table[sig], sizeof f) < 0)
        return SIG_DFL;
    return f;
}

/* Contract in glue.h. */
void glue_signal_app(int sig)
{
    _sig_func_ptr f = glue_disposition(sig);
    if (f == SIG_IGN)
        return;
    if (f == SIG_DFL)
        signal_default_action(sig);
    else
        glue_raise(sig);
}

/* Contract in glue.h.  In priv=supervisor the handler runs now, through
 * newlib's raise (the app's code, in the app's mode); in priv=user the
 * system call in progress returns with sig in its mask of signals to raise
 * (a1), and the app side's wrapper raises it (wrap/syscall.h). */
void glue_raise(int sig)
{
#ifdef CAPSULE_PRIV_USER
    proc_current->raise_mask |= 1u << sig;
#else
    raise(sig);
#endif
}
