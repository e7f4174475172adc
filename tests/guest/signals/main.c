/* Signals the app sends itself, one scenario per argument:
 *   abort      abort(): a report with a backtrace, status 134
 *   assert     a failed assert: its message, then as abort
 *   term       raise(SIGTERM): says what ended the app, status 143
 *   bus        raise(SIGBUS): Linux's number in the status (135), not newlib's
 *   calls      kill's errors and the signals whose default is to be ignored */
#include <assert.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int failures;

static void check(const char *what, int ok)
{
    printf("%s %s\n", ok ? "ok  " : "FAIL", what);
    failures += !ok;
}

static void calls(void)
{
    errno = 0;
    check("kill(getpid(), 0) is 0", kill(getpid(), 0) == 0);
    check("kill(0, 0) is 0", kill(0, 0) == 0);
    errno = 0;
    check("kill(getpid(), 999) is EINVAL", kill(getpid(), 999) == -1 && errno == EINVAL);
    errno = 0;
    check("kill(-5, 999) is EINVAL before ESRCH", kill(-5, 999) == -1 && errno == EINVAL);
    errno = 0;
    check("kill(12345, SIGTERM) is ESRCH", kill(12345, SIGTERM) == -1 && errno == ESRCH);
    check("raise(SIGCHLD) is ignored", raise(SIGCHLD) == 0);
    check("raise(SIGWINCH) is ignored", raise(SIGWINCH) == 0);
    check("raise(SIGCONT) is ignored", raise(SIGCONT) == 0);
    signal(SIGTERM, SIG_IGN);
    check("raise(SIGTERM) under SIG_IGN returns", raise(SIGTERM) == 0);
    signal(SIGTERM, SIG_DFL);
    printf("signals: %d failure(s)\n", failures);
}

static __attribute__((noinline)) void abort_here(void)
{
    abort();
}

int main(int argc, char **argv)
{
    const char *what = argc > 1 ? argv[1] : "";
    setvbuf(stdout, NULL, _IONBF, 0);
    if (!strcmp(what, "abort"))
        abort_here();
    else if (!strcmp(what, "assert"))
        assert(argc == 99);
    else if (!strcmp(what, "term"))
        raise(SIGTERM);
    else if (!strcmp(what, "bus"))
        raise(SIGBUS);
    else if (!strcmp(what, "calls"))
        calls();
    else
        return 2;
    printf("still alive\n");
    return failures != 0;
}
