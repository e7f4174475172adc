/* Not public: processes -- the process table (proc.c), the scheduler
 * (sched.c) and the descriptor tables (fd.c) they own.  A process is one
 * address space (libmm's struct mm, copied copy-on-write by fork), a
 * descriptor table, and the context its libOS code was switched away in.
 *
 * Locking: one hart.  Process states, the run queue and sleep channels are
 * also touched by the timer's interrupt (wakeups, preemption), so they
 * change with interrupts off; everything else is touched only by the
 * running process's own libOS calls. */
#ifndef LIBC_GLUE_PROC_H
#define LIBC_GLUE_PROC_H

#include <stdint.h>

#include <arch/context.h>
#include <arch/timer.h>

#define NPROC           64          /* process table slots: fork beyond gives EAGAIN */
#define PID_FIRST       1
#define PID_MAX         32768       /* Linux's default pid_max: pids wrap below it */

enum proc_state { PROC_FREE, PROC_RUNNABLE, PROC_RUNNING, PROC_SLEEPING, PROC_ZOMBIE };

struct mm;
struct fdtable;

struct proc {
    struct arch_context ctx;        /* saved while not running (sched.c) */
    int                 pid;
    enum proc_state     state;
    struct proc        *parent;     /* NULL for the first process */
    struct mm          *mm;         /* NULL once a zombie's space is gone */
    struct fdtable     *fds;        /* NULL once it ended */
    const void         *chan;       /* what a PROC_SLEEPING process waits for */
    int                 killed;     /* a signal (newlib's number) that ends it when it next runs */
    int                 wstatus;    /* a zombie's status as wait() reports it */
    struct proc        *run_next;   /* run queue or sleepers link (sched.c) */
    struct proc        *forking;    /* a child _fork made but has not queued yet (process.c) */
    struct timer_event  sleep_timer; /* a sleep's event (time.c): cancelled if the process ends */
    volatile int        sleep_done; /* set by that event */
    void               *kstack;     /* priv=user: its kernel stack (KSTACK_BYTES), whose top
                                       holds its U-mode trap frame; NULL once it ended */
    uint32_t            raise_mask; /* priv=user: signals (bits, newlib's numbers) whose
                                       handlers the running system call's return raises */
};

/* priv=user: each process's kernel stack, where its system calls, faults
 * and interrupts from U-mode run (no guard page: libOS code is bounded). */
#define KSTACK_BYTES    (16 * 1024)
/* The U-mode trap frame at the top of p's kernel stack. */
#define proc_user_frame(p) ((struct trapframe *)((char *)(p)->kstack + KSTACK_BYTES - TF_SIZE))

/* ---- proctab.c: the table (portable: host-tested) ---- */
/* The running process (never NULL once proc_start ran). */
extern struct proc *proc_current;
/* A free slot with a new pid, in state PROC_RUNNABLE but not queued;
 * NULL when the table is full. */
struct proc *proc_alloc(void);
/* Give slot p back (its space and descriptors already gone). */
void         proc_free(struct proc *p);
/* Slot i (0 <= i < NPROC) of the table, whatever its state. */
struct proc *proc_slot(int i);
/* The live (not free) process with pid, or NULL. */
struct proc *proc_find(int pid);
/* Processes in the table that are neither free nor zombies. */
int          proc_live_count(void);
/* p's children become init's; returns how many of them are zombies. */
int          proc_reparent(struct proc *p, struct proc *init);
/* Every slot free, pids from 1 again (host tests). */
void         proc_table_reset(void);

/* ---- proc.c: beginning and ending ---- */
/* priv=user: give p a kernel stack (0, or -ENOMEM); free it (p does not
 * run on it: the process that ended, switched away from). */
int          proc_kstack_alloc(struct proc *p);
void         proc_kstack_free(struct proc *p);
/* Start the table with the first process around the running address space
 * and the console descriptors; called once by the boot sequence. */
void         proc_start(struct mm *mm);
/* End the running process: wstatus for its parent's wait, status for the
 * image when it is the first process, which ends the run -- after a report
 * (reported) at once, else through capsule_exit with every other process's
 * resources given back first.  Never returns. */
void         proc_exit(int wstatus, int image_status, int reported) __attribute__((noreturn));

/* ---- process.c ---- */
/* p ends in the middle of a fork: the child it was making goes too. */
void         proc_abandon_fork(struct proc *p);

/* ---- sched.c: the run queue, switching, sleeping ---- */
/* Queue p (PROC_RUNNABLE).  Interrupts off. */
void sched_make_runnable(struct proc *p);
/* Wake every process sleeping on chan (NULL: every sleeping process).
 * Interrupts off; safe from the timer's interrupt. */
void sched_wakeup(const void *chan);
/* Wake p if it sleeps, whatever it sleeps on (a signal).  Interrupts off. */
void sched_wake_proc(struct proc *p);
/* sched_wakeup from a context with interrupts on. */
void sched_wakeup_irqsafe(const void *chan);
/* Sleep on chan until a wakeup names it (or a spurious one: callers loop on
 * their condition); the hart idles in wfi while nothing is runnable.
 * Interrupts off on entry and on return. */
void sched_sleep(const void *chan);
/* Let another runnable process run first, if there is one. */
void sched_yield_now(void);
/* Whether another process is runnable (the run queue is not empty). */
int  sched_others_runnable(void);
/* The running process has become a zombie: switch away for good (its
 * address space is destroyed by the next process to run).  Interrupts off. */
void sched_exit_switch(void) __attribute__((noreturn));
/* A forked child's first steps after arch_context_capture returned 1:
 * finish the switch that started it and turn interrupts on. */
void sched_child_start(void);
/* priv=user: the to_user hook (arch/trap.h): a preemption tick's switch. */
void sched_to_user(struct trapframe *tf);
/* Arm the preemption tick (while more than one process lives). */
void sched_preempt_start(void);
/* The first process runs: its satp from now on carries its ASID. */
void sched_start(struct proc *first);

/* ---- fd.c: descriptor tables ---- */
/* The first process's table: 0 the console's input, 1 and 2 its output.
 * NULL when out of memory. */
struct fdtable *fd_table_first(void);
/* A copy for fork: the same open files, each with one more reference.
 * NULL when out of memory. */
struct fdtable *fd_table_copy(const struct fdtable *t);
/* Close every descriptor and free t. */
void            fd_table_release(struct fdtable *t);

#endif
