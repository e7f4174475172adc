/* The process table: NPROC slots, pids given in increasing order (wrapping
 * below PID_MAX, skipping those in use, as Linux does), lookups and
 * re-parenting.  Portable C with no libOS calls: the host tests compile it
 * (tests/host/test_proc.c). */
#include <stddef.h>

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
int proc_reparent(struct proc *p, struct proc *init)
{
    int zombies = 0;
    for (int i = 0; i < NPROC; i++) {
        struct proc *c = &table[i];
        if (c->state != PROC_FREE && c->parent == p) {
            c->parent = init;
            zombies += c->state == PROC_ZOMBIE;
        }
    }
    return zombies;
}

/* Contract in proc.h. */
void proc_table_reset(void)
{
    for (int i = 0; i < NPROC; i++)
        proc_free(&table[i]);
    last_pid = 0;
    proc_current = NULL;
}

/* Contract in proc.h. */
int proc_live_count(void)
{
    int n = 0;
    for (int i = 0; i < NPROC; i++)
        n += table[i].state != PROC_FREE && table[i].state != PROC_ZOMBIE;
    return n;
}

