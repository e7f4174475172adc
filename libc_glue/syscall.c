/* The one system-call table: Linux's RISC-V numbers (sysnum.h) to the
 * bodies (sys.h).  priv=user: libarch's syscall hook for an ecall from
 * U-mode, on the process's kernel stack with interrupts on: a7 the number,
 * a0..a5 the arguments, a0 the result (a negative errno), a1 the signals
 * whose handlers the app side's wrapper raises before it returns
 * (wrap/syscall.h).  priv=supervisor: the wrappers call the bodies
 * directly and this table is not linked. */
#include <errno.h>

#include <arch/exit.h>
#include <arch/trap.h>
#include <mm/fault.h>
#include <mm/uvm.h>

#include "glue.h"
#include "proc.h"
#include "sys.h"
#include "sysnum.h"
#include "user.h"

typedef long (*syscall_fn)(long, long, long, long, long, long);

/* Every body has at most six integer or pointer arguments, passed in
 * a0..a5 whatever its prototype (the RISC-V calling convention). */
#define ENTRY(nr, body)     [SYS_##nr] = (syscall_fn)(void (*)(void))(body)

static const syscall_fn table[NR_SYSCALLS] = {
    ENTRY(dup, sys_dup),                    ENTRY(dup3, sys_dup3),
    ENTRY(unlinkat, sys_unlinkat),          ENTRY(linkat, sys_linkat),
    ENTRY(openat, sys_openat),              ENTRY(close, sys_close),
    ENTRY(pipe2, sys_pipe2),                ENTRY(lseek, sys_lseek),
    ENTRY(read, sys_read),                  ENTRY(write, sys_write),
    ENTRY(newfstatat, sys_newfstatat),      ENTRY(fstat, sys_fstat),
    ENTRY(exit, sys_exit),                  ENTRY(exit_group, sys_exit_group),
    ENTRY(nanosleep, sys_nanosleep),        ENTRY(clock_settime, sys_clock_settime),
    ENTRY(clock_gettime, sys_clock_gettime), ENTRY(clock_getres, sys_clock_getres),
    ENTRY(clock_nanosleep, sys_clock_nanosleep),
    ENTRY(sched_yield, sys_sched_yield),    ENTRY(kill, sys_kill),
    ENTRY(times, sys_times),                ENTRY(getrusage, sys_getrusage),
    ENTRY(gettimeofday, sys_gettimeofday),  ENTRY(getpid, sys_getpid),
    ENTRY(getppid, sys_getppid),            ENTRY(brk, sys_brk),
    ENTRY(munmap, sys_munmap),              ENTRY(mremap, sys_mremap),
    ENTRY(clone, sys_clone),                ENTRY(mmap, sys_mmap),
    ENTRY(mprotect, sys_mprotect),          ENTRY(msync, sys_msync),
    ENTRY(madvise, sys_madvise),            ENTRY(wait4, sys_wait4),
    ENTRY(capsule_isatty, sys_capsule_isatty), ENTRY(capsule_alarm, sys_capsule_alarm),
    ENTRY(capsule_sysconf, sys_capsule_sysconf), ENTRY(capsule_pause, sys_capsule_pause),
    ENTRY(capsule_report, sys_capsule_report), ENTRY(capsule_info, sys_capsule_info),
    ENTRY(capsule_readable, sys_capsule_readable), ENTRY(capsule_commit_ok, sys_capsule_commit_ok),
    ENTRY(getcwd, sys_getcwd),              ENTRY(fcntl, sys_fcntl),
    ENTRY(mkdirat, sys_mkdirat),            ENTRY(truncate, sys_truncate),
    ENTRY(ftruncate, sys_ftruncate),        ENTRY(faccessat, sys_faccessat),
    ENTRY(chdir, sys_chdir),                ENTRY(fchdir, sys_fchdir),
    ENTRY(getdents64, sys_getdents64),      ENTRY(pread64, sys_pread64),
    ENTRY(pwrite64, sys_pwrite64),          ENTRY(fsync, sys_fsync),
    ENTRY(fdatasync, sys_fdatasync),            ENTRY(umask, sys_umask),
    ENTRY(renameat2, sys_renameat2),
};

/* Contract in glue.h.  An unknown number gives -ENOSYS, as on Linux. */
void syscall_dispatch(struct trapframe *tf)
{
    uint64_t nr = tf->regs[17];
    const uint64_t *a = &tf->regs[10];
    syscall_fn fn = nr < NR_SYSCALLS ? table[nr] : NULL;
    tf->regs[10] = fn ? (uint64_t)fn(a[0], a[1], a[2], a[3], a[4], a[5]) : (uint64_t)-ENOSYS;
    tf->regs[11] = proc_current->raise_mask;
    proc_current->raise_mask = 0;
}

/* The calls that need the whole trap frame: clone copies it for the child,
 * kill (of the caller itself) and capsule_report end the caller with a
 * report of its registers and backtrace.  (exit and exit_group end it
 * without reading the frame.) */
static int needs_frame(uint64_t nr)
{
    return nr == SYS_clone || nr == SYS_kill || nr == SYS_capsule_report;
}

/* For the fast path's own function: no frame-pointer set-up (a backtrace
 * from a body skips only this function).  GCC only. */
#if defined(__GNUC__) && !defined(__clang__)
#define NO_FRAME_POINTER    __attribute__((optimize("omit-frame-pointer")))
#else
#define NO_FRAME_POINTER
#endif

/* Contract in glue.h: syscall_dispatch without a frame (the trap vector's
 * fast path); a call that needs one goes back to the full path. */
NO_FRAME_POINTER struct arch_syscall_ret syscall_fast(long a0, long a1, long a2, long a3, long a4,
                                                      long a5, long a6, long nr)
{
    (void)a6;
    uint64_t n = (uint64_t)nr;
    syscall_fn fn = n < NR_SYSCALLS ? table[n] : NULL;
    if (__builtin_expect(needs_frame(n), 0))
        return (struct arch_syscall_ret){ a0, ARCH_SYSCALL_FULL };
    long r = fn ? fn(a0, a1, a2, a3, a4, a5) : -ENOSYS;
    long mask = (long)proc_current->raise_mask;
    proc_current->raise_mask = 0;
    return (struct arch_syscall_ret){ r, mask };
}

/* Contract in sys.h: the app side's own report (a malloc misuse found by
 * its allocator): "capsule: <message>", a backtrace from the caller's
 * frame, and the end of the process with status, as the libOS's own
 * reports end it. */
long sys_capsule_report(const char *message, size_t len, int status)
{
    char text[256];
    if (len >= sizeof text)
        len = sizeof text - 1;
    if (user_read(text, message, len) < 0)
        return -EFAULT;
    text[len] = '\0';
#ifdef CAPSULE_PRIV_USER
    arch_fatal_frame(status, proc_user_frame(proc_current), "%s", text);
#else
    arch_fatal(status, 1, "%s", text);
#endif
}

/* Contract in sys.h: mm/uvm.h's commit policy, which malloc's large blocks
 * (mapped apart) obey as its heap does (brk checks it itself). */
long sys_capsule_commit_ok(size_t bytes)
{
    return uvm_commit_ok(bytes);
}

/* Contract in sys.h. */
long sys_capsule_readable(const void *addr)
{
    return mm_report_readable((uint64)addr);
}
