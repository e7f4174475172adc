/* Host tests of the process table (libc_glue/proctab.c) and the
 * scheduler's lists (libc_glue/runq.c): pids in increasing order, skipping
 * those in use and wrapping below PID_MAX; a full table says so (fork's
 * EAGAIN); re-parenting counts the zombies it hands over; the run queue is
 * first in, first out; a wake-up makes exactly the sleepers on its channel
 * runnable, a signal's wake-up one process whatever it sleeps on. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../libc_glue/proc.h"
#include "../../libc_glue/runq.h"

static int reset(void **state)
{
    (void)state;
    proc_table_reset();
    return 0;
}

static void pids_increase_from_one(void **state)
{
    (void)state;
    struct proc *a = proc_alloc(), *b = proc_alloc(), *c = proc_alloc();
    assert_int_equal(a->pid, 1);
    assert_int_equal(b->pid, 2);
    assert_int_equal(c->pid, 3);
    proc_free(b);
    assert_int_equal(proc_alloc()->pid, 4);         /* a freed pid is not given again at once */
    assert_ptr_equal(proc_find(3), c);
    assert_null(proc_find(2));
}

static void full_table_gives_null(void **state)
{
    (void)state;
    for (int i = 0; i < NPROC; i++)
        assert_non_null(proc_alloc());
    assert_null(proc_alloc());
    assert_int_equal(proc_live_count(), NPROC);
    proc_free(proc_find(7));
    assert_non_null(proc_alloc());                  /* a slot again */
}

static void pids_wrap_and_skip_those_in_use(void **state)
{
    (void)state;
    struct proc *first = proc_alloc();              /* pid 1 stays */
    struct proc *p = proc_alloc();                  /* 2: kept, to be skipped after the wrap */
    struct proc *q = NULL;
    for (int pid = 3; pid < PID_MAX; pid++) {
        q = proc_alloc();
        assert_int_equal(q->pid, pid);
        proc_free(q);
    }
    q = proc_alloc();                               /* wraps: 1 and 2 are taken */
    assert_int_equal(q->pid, 3);
    assert_int_equal(first->pid, 1);
    assert_int_equal(p->pid, 2);
}

static void reparent_counts_zombies(void **state)
{
    (void)state;
    struct proc *init = proc_alloc(), *mid = proc_alloc();
    struct proc *a = proc_alloc(), *b = proc_alloc(), *other = proc_alloc();
    a->parent = mid;
    b->parent = mid;
    b->state = PROC_ZOMBIE;
    other->parent = init;
    assert_int_equal(proc_reparent(mid, init), 1);
    assert_ptr_equal(a->parent, init);
    assert_ptr_equal(b->parent, init);
    assert_int_equal(proc_live_count(), 4);         /* the zombie does not count */
}

static void run_queue_is_fifo(void **state)
{
    (void)state;
    struct runq q = { 0 };
    struct proc *a = proc_alloc(), *b = proc_alloc(), *c = proc_alloc();
    assert_null(runq_pop(&q));
    runq_push(&q, a);
    runq_push(&q, b);
    assert_ptr_equal(runq_pop(&q), a);
    runq_push(&q, c);
    runq_push(&q, a);
    assert_ptr_equal(runq_pop(&q), b);
    assert_ptr_equal(runq_pop(&q), c);
    assert_ptr_equal(runq_pop(&q), a);
    assert_null(runq_pop(&q));
    assert_int_equal(a->state, PROC_RUNNABLE);
}

static void wakeup_wakes_only_its_channel(void **state)
{
    (void)state;
    struct runq q = { 0 };
    int pipe_a, pipe_b;
    struct proc *r1 = proc_alloc(), *r2 = proc_alloc(), *w = proc_alloc();
    runq_sleep(&q, r1, &pipe_a);
    runq_sleep(&q, w, &pipe_b);
    runq_sleep(&q, r2, &pipe_a);
    assert_int_equal(runq_wake(&q, &pipe_b), 1);
    assert_ptr_equal(runq_pop(&q), w);
    assert_null(runq_pop(&q));
    assert_int_equal(r1->state, PROC_SLEEPING);
    assert_int_equal(runq_wake(&q, &pipe_a), 2);
    assert_int_equal(runq_wake(&q, &pipe_a), 0);    /* nobody left on it */
    struct proc *x = runq_pop(&q), *y = runq_pop(&q);
    assert_true((x == r1 && y == r2) || (x == r2 && y == r1));
    assert_null(r1->chan);
}

static void a_signal_wakes_one_sleeper(void **state)
{
    (void)state;
    struct runq q = { 0 };
    int chan;
    struct proc *a = proc_alloc(), *b = proc_alloc(), *c = proc_alloc();
    runq_sleep(&q, a, &chan);
    runq_sleep(&q, b, &chan);
    runq_wake_proc(&q, a);
    assert_ptr_equal(runq_pop(&q), a);
    runq_wake_proc(&q, c);                          /* not sleeping: nothing happens */
    assert_null(runq_pop(&q));
    assert_int_equal(runq_wake(&q, NULL), 1);       /* everyone left: b */
    assert_ptr_equal(runq_pop(&q), b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(pids_increase_from_one, reset),
        cmocka_unit_test_setup(full_table_gives_null, reset),
        cmocka_unit_test_setup(pids_wrap_and_skip_those_in_use, reset),
        cmocka_unit_test_setup(reparent_counts_zombies, reset),
        cmocka_unit_test_setup(run_queue_is_fifo, reset),
        cmocka_unit_test_setup(wakeup_wakes_only_its_channel, reset),
        cmocka_unit_test_setup(a_signal_wakes_one_sleeper, reset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
