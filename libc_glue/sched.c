/* The scheduler: one run queue (FIFO) of runnable processes, the switch
 * between two processes (satp with the address space's ASID, callee-saved
 * registers: arch/context.h), sleeping on a channel with the hart idle in
 * wfi while nothing can run, and preemption by the one timer: a tick that,
 * when it interrupts app code while another process is runnable, diverts
 * the interrupted process into a yield (arch_divert) on its own stack.
 * libOS code is never preempted: it runs to its next sleep or return. */
#include <sched.h>

#include <arch/console.h>
#include <arch/context.h>
#include <arch/layout.h>
#include <arch/mmu.h>
#include <arch/timer.h>
#include <mm/fault.h>
#include <mm/space.h>
#include <mm/uvm.h>
#include <mm/vm.h>

#include "glue.h"
#include "proc.h"
#include "runq.h"
#include "sys.h"

#define PREEMPT_NS      (10 * 1000 * 1000)      /* a time slice: 10 ms */

/* The run queue and the sleepers (runq.c); interrupts off. */
static struct runq rq;
/* A zombie whose address space the next process to run destroys. */
static struct proc *dead;
static struct timer_event preempt_tick;

/* Contract in proc.h. */
void sched_make_runnable(struct proc *p)
{
    runq_push(&rq, p);
}

/* Contract in proc.h. */
int sched_others_runnable(void)
{
    return rq.head != NULL;
}

/* The tail of every switch, in the process switched to: the previous
 * process's space goes if it ended; a process killed meanwhile ends now. */
static void switch_done(void)
{
    if (dead) {
        mm_destroy(dead->mm);
        dead->mm = NULL;
        proc_kstack_free(dead);
        dead = NULL;
    }
    proc_current->state = PROC_RUNNING;
    if (proc_current->killed)
        signal_quiet_end(proc_current->killed);
}

/* Switch from the running process to next (not the running one); returns
 * when the running process is switched to again.  Interrupts off. */
static void switch_to(struct proc *next, int leaving)
{
    struct proc *prev = proc_current;
    int flush;
    next->ctx.satp = mm_satp(next->mm, &flush);
    proc_current = next;
    mm_set_current(next->mm);
    arch_switch(leaving ? NULL : &prev->ctx, &next->ctx, flush);
    switch_done();
}

/* Run the next runnable process, idling in wfi until there is one.  The
 * running process has set its own state (sleeping, runnable and queued, or
 * a zombie); returns when it runs again.  Interrupts off. */
static void schedule(int leaving)
{
    struct proc *next;
    while (!(next = runq_pop(&rq)))
        glue_idle_off();
    if (next != proc_current)
        switch_to(next, leaving);
    else
        proc_current->state = PROC_RUNNING;
}

/* Contract in proc.h. */
void sched_wakeup(const void *chan)
{
    runq_wake(&rq, chan);
}

/* Contract in proc.h. */
void sched_wake_proc(struct proc *p)
{
    runq_wake_proc(&rq, p);
}

/* Contract in proc.h. */
void sched_wakeup_irqsafe(const void *chan)
{
    uint64_t irq = arch_irq_save();
    sched_wakeup(chan);
    arch_irq_restore(irq);
}

/* Contract in proc.h. */
void sched_sleep(const void *chan)
{
    runq_sleep(&rq, proc_current, chan);
    schedule(0);
    proc_current->chan = NULL;
}

/* Contract in proc.h. */
void sched_yield_now(void)
{
    uint64_t irq = arch_irq_save();
    if (rq.head) {
        sched_make_runnable(proc_current);
        schedule(0);
    }
    arch_irq_restore(irq);
}

/* Contract in proc.h. */
void sched_exit_switch(void)
{
    dead = proc_current;
    schedule(1);
    panic("sched: a process that ended ran again");
}

/* Contract in proc.h. */
void sched_child_start(void)
{
    switch_done();
    arch_irq_restore(1);
}

/* Contract in sys.h: Linux's sched_yield, always 0. */
long sys_sched_yield(void)
{
    sched_yield_now();
    return 0;
}

/* ---- preemption ---- */

/* Entered through arch_divert on the interrupted process's stack. */
static void preempted(void)
{
    sched_yield_now();
}

#ifndef CAPSULE_PRIV_USER
/* Whether the ARCH_DIVERT_BYTES below sp are mapped writable in the
 * running space, so arch_divert's stores cannot fault inside the trap.  A
 * page that is not yet (demand-zero, or shared copy-on-write after fork) is
 * made so through libmm's fault path: safe here, as the interrupted code is
 * the app's, never libmm's. */
static int divert_room(uint64_t sp)
{
    pagetable_t pt = uvm_current();
    uint64_t low = sp - ARCH_DIVERT_BYTES;
    if (!pt || low >= sp || sp > USER_END)
        return 0;
    for (uint64_t va = PGROUNDDOWN(low); va < sp; va += PAGE_SIZE) {
        pte_t *pte = walk(pt, va, 0);
        struct fault_info info;
        if (pte && (*pte & (PTE_V | PTE_W)) == (PTE_V | PTE_W))
            continue;
        if (mm_fault(va, FAULT_WRITE, &info) != 0)
            return 0;
    }
    return 1;
}

#endif

#ifdef CAPSULE_PRIV_USER
/* A tick that interrupted U-mode while another process waits: the trap's
 * last step (sched_to_user) yields, on the process's kernel stack. */
static int resched;

/* Contract in proc.h.  The caller-saved FP registers are the app's (an
 * interrupt, not a call, stopped it): kept across the switch. */
void sched_to_user(struct trapframe *tf)
{
    (void)tf;
    if (resched) {
        uint64_t fp[ARCH_FP_CALLER_WORDS];
        resched = 0;
        arch_fp_save_caller(fp);
        sched_yield_now();
        arch_fp_restore_caller(fp);
    }
}

/* Whether the tick should switch away from what tf interrupted. */
static int preempt_here(struct trapframe *tf)
{
    if (TRAP_FROM_USER(tf))
        resched = 1;
    return 0;
}
#else
/* Whether the tick should divert what tf interrupted into a yield: app
 * code, with room below its sp. */
static int preempt_here(struct trapframe *tf)
{
    return tf->sepc < USER_END && divert_room(tf->regs[2]);
}
#endif

/* The tick, in the timer's interrupt: divert app code into a yield when
 * another process waits to run (in priv=user, switch at the trap's end);
 * re-armed while more than one process lives. */
static void preempt_fire(struct timer_event *ev, struct trapframe *tf)
{
    if (rq.head && preempt_here(tf))
        arch_divert(tf, preempted);
    if (proc_live_count() > 1) {
        ev->deadline = timer_now() + timer_ns_to_ticks(PREEMPT_NS);
        timer_add(ev);
    }
}

/* Contract in proc.h. */
void sched_preempt_start(void)
{
    if (preempt_tick.queued)
        return;
    preempt_tick.fn = preempt_fire;
    preempt_tick.deadline = timer_now() + timer_ns_to_ticks(PREEMPT_NS);
    timer_add(&preempt_tick);
}

/* Contract in proc.h. */
void sched_start(struct proc *first)
{
    mm_asid_init(arch_asid_bits());
    first->state = PROC_RUNNING;
}
