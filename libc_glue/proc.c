/* The process table: slots, pids, the first process, and ending a process
 * (zombie, re-parenting, the image's end with the first process).  fork,
 * wait and the other POSIX calls on it are in process.c. */
#include <arch/console.h>
#include <arch/exit.h>
#include <arch/timer.h>
#include <mm/space.h>

#include "glue.h"
#include "proc.h"

static struct proc table[NPROC];
static int last_pid;                /* the pid given last: the next search starts above it */
struct proc *proc_current;          /* proc.h */

/* Contract in proc.h. */
struct proc *proc_slot(int i)
{
    return &table[i];
}

/* Contract in proc.h. */
struct proc *proc_find(int pid)
{
    for (int i = 0; i < NPROC; i++)
        if (table[i].state != PROC_FREE && table[i].pid == pid)
            return &table[i];
    return NULL;
}

/* The next pid above last_pid that no slot holds (wrapping below PID_MAX). */
static int next_pid(void)
{
    int pid = last_pid;
    do
        pid = pid + 1 >= PID_MAX ? PID_FIRST + 1 : pid + 1;
    while (proc_find(pid));
    return last_pid = pid;
}

/* Contract in proc.h. */
struct proc *proc_alloc(void)
{
    for (int i = 0; i < NPROC; i++) {
        struct proc *p = &table[i];
        if (p->state == PROC_FREE) {
            *p = (struct proc){ .pid = next_pid(), .state = PROC_RUNNABLE };
            return p;
        }
    }
    return NULL;
}

/* Contract in proc.h. */
void proc_free(struct proc *p)
{
    *p = (struct proc){ .state = PROC_FREE };
}

/* Contract in proc.h. */
int proc_live_count(void)
{
    int n = 0;
    for (int i = 0; i < NPROC; i++)
        n += table[i].state != PROC_FREE && table[i].state != PROC_ZOMBIE;
    return n;
}

/* Contract in proc.h. */
void proc_start(struct mm *mm)
{
    struct proc *p = proc_alloc();
    p->mm = mm;
    p->fds = fd_table_first();
    if (!p->fds)
        panic("boot: out of memory for the first process's descriptors");
    proc_current = p;
    sched_start(p);
}

/* The first process is ending: the image ends with it, and with the others
 * still alive (one line says how many). */
static void end_image(int image_status)
{
    int others = proc_live_count() - 1;
    if (others > 0)
        kprintf("capsule: the first process ended; %d other process%s ended with it\n", others,
                others == 1 ? "" : "es");
    arch_exit(image_status);
}

/* p's children go to the first process; a zombie among them wakes it (it
 * may be waiting). */
static void reparent_children(struct proc *p)
{
    struct proc *init = &table[0];
    for (int i = 0; i < NPROC; i++) {
        struct proc *c = &table[i];
        if (c->state != PROC_FREE && c->parent == p) {
            c->parent = init;
            if (c->state == PROC_ZOMBIE)
                sched_wakeup(init);
        }
    }
}

/* Contract in proc.h.  The descriptors close now (a pipe's other end sees
 * the end at once); the address space goes after the switch away from it. */
void proc_exit(int wstatus, int image_status)
{
    struct proc *p = proc_current;
    if (!p->parent)
        end_image(image_status);
    arch_irq_save();
    timer_cancel(&p->sleep_timer);      /* killed in a sleep: its event must not fire */
    fd_table_release(p->fds);
    p->fds = NULL;
    reparent_children(p);
    p->wstatus = wstatus;
    p->state = PROC_ZOMBIE;
    sched_wakeup(p->parent);
    sched_exit_switch();
}
