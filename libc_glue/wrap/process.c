/* The app side of the process and memory-break calls: fork, _exit, getpid,
 * getppid, waitpid/wait, kill, sched_yield, sbrk/brk (syscall.h). */
#include <errno.h>
#include <reent.h>
#include <sched.h>
#include <stdint.h>
#include <sys/wait.h>
#include <unistd.h>

#include "syscall.h"

#define LINUX_SIGCHLD   17      /* clone's flags for fork: the child's end signal only */

int _fork(void)
{
    return (int)wrap_result(SYSCALL5(clone, LINUX_SIGCHLD, 0, 0, 0, 0));
}

void _exit(int status)
{
    SYSCALL1(exit_group, status);
    __builtin_unreachable();
}

int _getpid(void)
{
    return (int)SYSCALL0(getpid);
}

pid_t getppid(void)
{
    return (pid_t)SYSCALL0(getppid);
}

pid_t waitpid(pid_t pid, int *status, int options)
{
    return (pid_t)wrap_result(SYSCALL4(wait4, pid, status, options, 0));
}

int _wait(int *status)
{
    return waitpid(-1, status, 0);
}

int _kill(int pid, int sig)
{
    return (int)wrap_result(SYSCALL2(kill, pid, sig));
}

/* Linux's sched_yield: always succeeds. */
int sched_yield(void)
{
    return (int)SYSCALL0(sched_yield);
}

/* The break moves by incr: the old break, or (void *)-1 with ENOMEM. */
void *_sbrk(ptrdiff_t incr)
{
    uintptr_t old = (uintptr_t)SYSCALL1(brk, 0);
    if (incr != 0 && (uintptr_t)SYSCALL1(brk, old + (uintptr_t)incr) != old + (uintptr_t)incr) {
        wrap_fail(ENOMEM);
        return (void *)-1;
    }
    return (void *)old;
}

/* Contract in <unistd.h> (libc_glue/include). */
int brk(void *addr)
{
    if ((uintptr_t)SYSCALL1(brk, (uintptr_t)addr) != (uintptr_t)addr || addr == NULL) {
        _REENT->_errno = ENOMEM;    /* no _r wrapper copies the global errno for brk */
        return -1;
    }
    return 0;
}
