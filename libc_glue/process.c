/* POSIX process calls over the process table (proc.h): fork, wait,
 * waitpid, _exit, getpid, getppid, and the hooks through which libarch ends
 * a process after a report.  Statuses are Linux's: wait() sees
 * (code << 8) for exit(code) and the signal's number for a signal; the image
 * exits with the first process's status as a shell shows it. */
#include <errno.h>
#include <sys/wait.h>
#include <unistd.h>

#include <arch/context.h>
#include <arch/mmu.h>
#include <arch/timer.h>
#include <mm/space.h>

#include "glue.h"
#include "proc.h"
#include "sys.h"
#include "user.h"

#define WAIT_CODE_SHIFT 8
#define STATUS_MASK     0xff
#define STATUS_SIGNALED 128

/* The child's half of fork: the parent's space, copied copy-on-write, is
 * running; finish the switch that started it. */
#ifndef CAPSULE_PRIV_USER
static __attribute__((noinline)) int child_returns(void)
{
    sched_child_start();
    return 0;
}
#endif

/* fork_entry.S: mm_fork on the libOS call stack. */
struct mm *mm_fork_on_libos_stack(struct mm *parent, uint64 hot_start, uint64 hot_end);

/* Give back what a fork that did not finish took: the child's
 * descriptors, its address space, its slot. */
static void fork_undo(struct proc *child)
{
    fd_table_release(child->fds);
    if (child->mm)
        mm_destroy(child->mm);
    proc_kstack_free(child);
    proc_free(child);
}

static long fork_failed(struct proc *parent, struct proc *child)
{
    parent->forking = NULL;
    fork_undo(child);
    return -ENOMEM;
}

/* Contract in proc.h. */
void proc_abandon_fork(struct proc *p)
{
    if (p->forking)
        fork_undo(p->forking);
    p->forking = NULL;
}

/* The page under the caller's stack pointer, which parent and child both
 * write as soon as fork returns: mm_fork copies it for the child at once
 * (a wider window costs more copies than the faults it saves). */
#define FORK_HOT_BELOW  0
#define FORK_HOT_ABOVE  PAGE_SIZE

#ifdef CAPSULE_PRIV_USER
/* The child's first steps on its kernel stack (arch_context_user), before
 * it returns to U-mode from its copy of the parent's frame. */
static void child_first(void)
{
    sched_child_start();
    arch_irq_save();
}

/* The child's context: it returns from the parent's system call with 0,
 * through a copy of the parent's U-mode frame on its own kernel stack.
 * Returns the U-mode stack pointer (the page both write at once). */
static uint64_t child_context(struct proc *parent, struct proc *child)
{
    struct trapframe *tf = proc_user_frame(child);
    *tf = *proc_user_frame(parent);
    tf->regs[0] = (uint64_t)child->kstack + KSTACK_BYTES;
    tf->regs[10] = 0;
    tf->regs[11] = 0;
    arch_context_user(&child->ctx, tf, child_first);
    return tf->regs[2];
}
#endif

/* fork: the child is a copy of the caller -- its address space (mm_fork),
 * its descriptors, and its context: in priv=supervisor its libOS context
 * captured here, so it returns 0 from this very frame of its copy of the
 * stack; in priv=user a copy of the caller's trap frame on its own kernel
 * stack.  EAGAIN when the table is full, ENOMEM when memory is short;
 * nothing is left allocated then.  Until the child is queued the parent
 * names it in ->forking, so a parent that ends meanwhile (a fault: out of
 * memory on its own stack) takes it along. */
static long do_fork(void)
{
    struct proc *parent = proc_current, *child = proc_alloc();
    if (!child)
        return -EAGAIN;
    parent->forking = child;
    child->fds = fd_table_copy(parent->fds);
    if (!child->fds || proc_kstack_alloc(child) < 0)
        return fork_failed(parent, child);
#ifdef CAPSULE_PRIV_USER
    uint64_t sp = PGROUNDDOWN(child_context(parent, child));
#else
    if (arch_context_capture(&child->ctx))
        return child_returns();
    uint64_t sp = PGROUNDDOWN((uint64_t)__builtin_frame_address(0));
#endif
    child->mm = mm_fork_on_libos_stack(parent->mm, sp - FORK_HOT_BELOW, sp + FORK_HOT_ABOVE);
    if (!child->mm)
        return fork_failed(parent, child);
    child->parent = parent;
    uint64_t irq = arch_irq_save();
    sched_make_runnable(child);
    parent->forking = NULL;
    sched_preempt_start();
    arch_irq_restore(irq);
    return child->pid;
}

/* Contract in sys.h: fork only -- flags SIGCHLD (Linux's 17) and no new
 * stack, as libc's fork() passes; anything else EINVAL. */
#define LINUX_SIGCHLD   17
long sys_clone(unsigned long flags, void *stack, void *parent_tid, void *tls, void *child_tid)
{
    (void)parent_tid, (void)tls, (void)child_tid;
    if (flags != LINUX_SIGCHLD || stack)
        return -EINVAL;
    return do_fork();
}

/* Contract in sys.h: the process ends; wait() sees status's low 8 bits. */
long sys_exit(int status)
{
    proc_exit((status & STATUS_MASK) << WAIT_CODE_SHIFT, status & STATUS_MASK, 0);
}

/* Contract in sys.h: one thread per process, so the same as exit. */
long sys_exit_group(int status)
{
    sys_exit(status);
}

/* Contract in sys.h. */
long sys_getpid(void)
{
    return proc_current->pid;
}

/* Contract in sys.h.  The first process's parent is outside the image: 0,
 * as Linux's init. */
long sys_getppid(void)
{
    return proc_current->parent ? proc_current->parent->pid : 0;
}

/* Whether q is a child of the caller that pid selects: -1 or 0 (the
 * caller's process group, which every process shares) any child; below -1
 * a process group other than the one (-1 would name it): none; else that
 * pid. */
static int selected(const struct proc *q, pid_t pid)
{
    if (q->state == PROC_FREE || q->parent != proc_current || pid < -1)
        return 0;
    return pid <= 0 || q->pid == pid;
}

/* Reap the selected zombie q: its status to *status (checked first, so a
 * bad pointer leaves it a zombie), its slot freed.  Its pid, or -EFAULT. */
static int reap(struct proc *q, int *status)
{
    int pid = q->pid;
    if (status && user_put(status, q->wstatus) < 0)
        return -EFAULT;
    proc_free(q);
    return pid;
}

/* One look at the caller's children: a reaped pid, 0 when selected children
 * live on, -ECHILD when none is selected. */
static int try_reap(pid_t pid, int *status)
{
    int any = 0;
    for (int i = 0; i < NPROC; i++) {
        struct proc *q = proc_slot(i);
        if (!selected(q, pid))
            continue;
        if (q->state == PROC_ZOMBIE)
            return reap(q, status);
        any = 1;
    }
    return any ? 0 : -ECHILD;
}

/* Contract in sys.h: sleeps until a selected child has ended (WNOHANG:
 * returns 0 instead).  ECHILD when the caller has no such child; EINVAL for
 * options other than WNOHANG, WUNTRACED and WCONTINUED (no child ever
 * stops); ru is not filled (NULL expected). */
long sys_wait4(pid_t pid, int *status, int options, struct rusage *ru)
{
    (void)ru;
    if (options & ~(WNOHANG | WUNTRACED | 8 /* WCONTINUED */))
        return -EINVAL;
    uint64_t irq = arch_irq_save();
    int r;
    while ((r = try_reap(pid, status)) == 0 && !(options & WNOHANG))
        sched_sleep(proc_current);
    arch_irq_restore(irq);
    return r;
}

/* ---- hooks for libarch ---- */

/* libarch's terminate hook: a report ended the running process with status
 * (128 + Linux's signal number). */
static void terminate(int status)
{
    if (!proc_current)
        return;         /* during boot: libarch stops the machine */
    int sig = signal_from_linux(status - STATUS_SIGNALED);
    proc_exit(sig ? sig : status << WAIT_CODE_SHIFT, status, 1);
}

static int report_pid(void)
{
    return proc_current ? proc_current->pid : 0;
}

/* Contract in glue.h. */
void process_hooks(struct arch_hooks *h)
{
    h->terminate = terminate;
    h->pid = report_pid;
#ifdef CAPSULE_PRIV_USER
    h->syscall = syscall_dispatch;
    h->syscall_fast = syscall_fast;
    h->to_user = sched_to_user;
#endif
}
