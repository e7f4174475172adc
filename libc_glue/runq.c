/* The scheduler's lists (runq.h): a FIFO run queue and the sleepers. */
#include <stddef.h>

#include "runq.h"

/* Contract in runq.h. */
void runq_push(struct runq *q, struct proc *p)
{
    p->state = PROC_RUNNABLE;
    p->run_next = NULL;
    if (q->tail)
        q->tail->run_next = p;
    else
        q->head = p;
    q->tail = p;
}

/* Contract in runq.h. */
struct proc *runq_pop(struct runq *q)
{
    struct proc *p = q->head;
    if (p) {
        q->head = p->run_next;
        if (!q->head)
            q->tail = NULL;
        p->run_next = NULL;
    }
    return p;
}

/* Contract in runq.h. */
void runq_sleep(struct runq *q, struct proc *p, const void *chan)
{
    p->chan = chan;
    p->state = PROC_SLEEPING;
    p->run_next = q->sleepers;
    q->sleepers = p;
}

/* Contract in runq.h. */
int runq_wake(struct runq *q, const void *chan)
{
    int n = 0;
    struct proc **pp = &q->sleepers;
    while (*pp) {
        struct proc *p = *pp;
        if (!chan || p->chan == chan) {
            *pp = p->run_next;
            p->chan = NULL;
            runq_push(q, p);
            n++;
        } else {
            pp = &p->run_next;
        }
    }
    return n;
}

/* Contract in runq.h. */
void runq_wake_proc(struct runq *q, struct proc *p)
{
    if (p->state != PROC_SLEEPING)
        return;
    for (struct proc **pp = &q->sleepers; *pp; pp = &(*pp)->run_next) {
        if (*pp == p) {
            *pp = p->run_next;
            break;
        }
    }
    p->chan = NULL;
    runq_push(q, p);
}
