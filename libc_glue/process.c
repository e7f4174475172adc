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
#include "user.h"

#define WAIT_CODE_SHIFT 8
#define STATUS_MASK     0xff
#define STATUS_SIGNALED 128

/* The child's half of fork: the parent's space, copied copy-on-write, is
 * running; finish the switch that started it. */
static __attribute__((noinline)) int child_returns(void)
{
    sched_child_start();
    return 0;
}

/* fork_entry.S: mm_fork on the libOS call stack. */
struct mm *mm_fork_on_libos_stack(struct mm *parent, uint64 hot_start, uint64 hot_end);

/* Give back what a fork that did not finish took: the child's
 * descriptors, its address space, its slot. */
static void fork_undo(struct proc *child)
{
    fd_table_release(child->fds);
    if (child->mm)
        mm_destroy(child->mm);
    proc_free(child);
}

static int fork_failed(struct proc *parent, struct proc *child)
{
    parent->forking = NULL;
    fork_undo(child);
    return glue_fail(ENOMEM);
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

/* fork: the child is a copy of the caller -- its address space (mm_fork),
 * its descriptors, and its libOS context captured here, so it returns 0
 * from this very frame of its copy of the stack.  EAGAIN when the table is
 * full, ENOMEM when memory is short; nothing is left allocated then.  Until
 * the child is queued the parent names it in ->forking, so a parent that
 * ends meanwhile (a fault: out of memory on its own stack) takes it along. */
int _fork(void)
{
    struct proc *parent = proc_current, *child = proc_alloc();
    if (!child)
        return glue_fail(EAGAIN);
    parent->forking = child;
    child->fds = fd_table_copy(parent->fds);
    if (!child->fds)
        return fork_failed(parent, child);
    if (arch_context_capture(&child->ctx))
        return child_returns();
    uint64_t sp = PGROUNDDOWN((uint64_t)__builtin_frame_address(0));
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

/* _exit(status): the process ends; wait() sees status's low 8 bits. */
void _exit(int status)
{
    proc_exit((status & STATUS_MASK) << WAIT_CODE_SHIFT, status & STATUS_MASK, 0);
}

int _getpid(void)
{
    return proc_current->pid;
}

/* The first process's parent is outside the image: 0, as Linux's init. */
pid_t getppid(void)
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

/* waitpid: sleeps until a selected child has ended (WNOHANG: returns 0
 * instead).  ECHILD when the caller has no such child; EINVAL for options
 * other than WNOHANG, WUNTRACED and WCONTINUED (no child ever stops). */
pid_t waitpid(pid_t pid, int *status, int options)
{
    if (options & ~(WNOHANG | WUNTRACED | 8 /* WCONTINUED */))
        return glue_fail(EINVAL);
    uint64_t irq = arch_irq_save();
    int r;
    while ((r = try_reap(pid, status)) == 0 && !(options & WNOHANG))
        sched_sleep(proc_current);
    arch_irq_restore(irq);
    return r < 0 ? glue_fail(-r) : r;
}

int _wait(int *status)
{
    return waitpid(-1, status, 0);
}

/* ---- hooks for libarch ---- */

/* libarch's terminate hook: a report ended the running process with status
 * (128 + Linux's signal number). */
static void terminate(int status)
{
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
}
