/* Signals the app sends itself (kill, and raise/abort for a signal left at
 * SIG_DFL -- newlib's raise runs handlers itself): each signal's default
 * action as on Linux (signal(7)).  Statuses are 128 + Linux's number for the
 * signal, as a shell on Linux shows them (newlib numbers some signals
 * differently, e.g. SIGBUS 10 against Linux's 7). */
#include <errno.h>
#include <signal.h>

#include <arch/exit.h>

#include "glue.h"

#undef errno
extern int errno;

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
void signal_default_action(int sig)
{
    const struct signal_default *d = &defaults[sig];
    int status = STATUS_SIGNALED + d->linux_number;
    switch (d->action) {
    case ACT_TERM:
        arch_fatal(status, 0, "the app was ended by %s (signal %d)", d->name, d->linux_number);
    case ACT_CORE:
        arch_fatal(status, 1, "the app was ended by %s (signal %d)", d->name, d->linux_number);
    default:
        /* ignored; a stop is ignored too: nothing could continue the only process */
        return;
    }
}

/* kill(pid, sig): pid 1 (the app, also its own process group as 0 names it)
 * only; sig 0 checks that pid exists.  EINVAL for a signal Linux does not
 * have, before ESRCH, as Linux checks. */
int _kill(int pid, int sig)
{
    if (sig < 0 || sig >= NSIG || (sig != 0 && !defaults[sig].name)) {
        errno = EINVAL;
        return -1;
    }
    if (pid != APP_PID && pid != 0) {
        errno = ESRCH;
        return -1;
    }
    if (sig != 0)
        signal_default_action(sig);
    return 0;
}
