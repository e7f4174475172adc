/* Processes begin and end: the first process, and ending one (zombie,
 * re-parenting, the image's end with the first process).  The table itself
 * is proctab.c; fork, wait and the other POSIX calls are in process.c. */
#include <arch/console.h>
#include <arch/exit.h>
#include <arch/timer.h>
#include <errno.h>

#include <mm/kalloc.h>
#include <mm/space.h>

#include "fs.h"
#include "glue.h"
#include "proc.h"

/* Contract in proc.h. */
int proc_kstack_alloc(struct proc *p)
{
#ifdef CAPSULE_PRIV_USER
    p->kstack = kalloc(KSTACK_BYTES);
    return p->kstack ? 0 : -ENOMEM;
#else
    (void)p;
    return 0;
#endif
}

/* Contract in proc.h. */
void proc_kstack_free(struct proc *p)
{
    if (p->kstack)
        kfree(p->kstack);
    p->kstack = NULL;
}

/* Contract in proc.h. */
void proc_start(struct mm *mm)
{
    struct proc *p = proc_alloc();
    p->mm = mm;
    p->fds = fd_table_first();
    if (!p->fds || proc_kstack_alloc(p) < 0)
        panic("boot: out of memory for the first process");
    proc_current = p;
    sched_start(p);
}

/* The first process ends the run: what every other process holds goes
 * back (its descriptors, its space, its slot), and the first's descriptors,
 * so capsule_exit's leak check finds every frame.  Interrupts off. */
static void release_others(void)
{
    for (int i = 0; i < NPROC; i++) {
        struct proc *q = proc_slot(i);
        if (q == proc_current || q->state == PROC_FREE)
            continue;
        timer_cancel(&q->sleep_timer);
        if (q->state == PROC_RUNNABLE && q->parent == NULL)
            continue;                   /* a child its parent is still making: the parent's */
        proc_abandon_fork(q);
        fd_table_release(q->fds);
        if (q->mm)
            mm_destroy(q->mm);
        proc_kstack_free(q);
        proc_free(q);
    }
    fd_table_release(proc_current->fds);
    proc_current->fds = NULL;
}

/* The first process is ending: the image ends with it, and with the others
 * still alive (one line says how many). */
static void end_image(int image_status, int clean)
{
    int others = proc_live_count() - 1;
    if (others > 0)
        kprintf("capsule: the first process ended; %d other process%s ended with it\n", others,
                others == 1 ? "" : "es");
    fs_out_write();                     /* the results leave however the run ends */
    if (!clean)
        arch_exit(image_status);        /* after a report: nothing more is touched */
    release_others();
    capsule_exit(image_status);
}

/* Contract in proc.h.  The descriptors close now (a pipe's other end sees
 * the end at once); the address space goes after the switch away from it. */
void proc_exit(int wstatus, int image_status, int reported)
{
    struct proc *p = proc_current;
    arch_irq_save();
    if (!p->parent)
        end_image(image_status, !reported);
    timer_cancel(&p->sleep_timer);      /* killed in a sleep: its event must not fire */
    proc_abandon_fork(p);
    fd_table_release(p->fds);
    p->fds = NULL;
    if (proc_reparent(p, proc_slot(0)))
        sched_wakeup(proc_slot(0));     /* a zombie among them: pid 1 may be waiting */
    p->wstatus = wstatus;
    p->state = PROC_ZOMBIE;
    sched_wakeup(p->parent);
    sched_exit_switch();
}
