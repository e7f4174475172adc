/* Not public: the scheduler's lists (runq.c) -- the run queue, first in
 * first out, and the sleepers with the channel each waits on -- as portable
 * C the host tests compile (tests/host/test_proc.c).  A process is on at
 * most one list (both link through run_next).  Callers keep interrupts off. */
#ifndef LIBC_GLUE_RUNQ_H
#define LIBC_GLUE_RUNQ_H

#include "proc.h"

struct runq {
    struct proc *head, *tail;       /* runnable, in order */
    struct proc *sleepers;          /* PROC_SLEEPING, in no order */
};

/* p becomes PROC_RUNNABLE at the tail. */
void         runq_push(struct runq *q, struct proc *p);
/* The head (taken off), or NULL when nothing is runnable. */
struct proc *runq_pop(struct runq *q);
/* p (running) becomes PROC_SLEEPING on chan. */
void         runq_sleep(struct runq *q, struct proc *p, const void *chan);
/* Every sleeper on chan (NULL: every sleeper) becomes runnable, in the
 * order they are found; returns how many. */
int          runq_wake(struct runq *q, const void *chan);
/* p, if it sleeps (on anything), becomes runnable. */
void         runq_wake_proc(struct runq *q, struct proc *p);

#endif
