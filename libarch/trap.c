/* Trap dispatch: page faults go to the registered fault hook (libmm's), which
 * resolves them or says why not; anything unresolved or unexpected is
 * reported and ends the app. */
#include <stddef.h>

#include <arch/console.h>
#include <arch/csr.h>
#include <arch/exit.h>
#include <arch/layout.h>
#include <arch/timer.h>
#include <arch/trap.h>
#include <arch/usercopy.h>
#include <arch/bootinfo.h>

#include "arch_internal.h"

_Static_assert(offsetof(struct trapframe, regs[2]) == TF_SP, "trapframe sp");
_Static_assert(offsetof(struct trapframe, sepc) == TF_SEPC, "trapframe sepc");
_Static_assert(offsetof(struct trapframe, sstatus) == TF_SSTATUS, "trapframe sstatus");
_Static_assert(offsetof(struct trapframe, scause) == TF_SCAUSE, "trapframe scause");
_Static_assert(offsetof(struct trapframe, stval) == TF_STVAL, "trapframe stval");
_Static_assert(sizeof(struct trapframe) == TF_SIZE, "trapframe size");
_Static_assert(TF_SIZE % 16 == 0, "trap frames keep the stack 16-byte aligned");

extern char trap_entry[];

/* For the fast paths' own functions: no frame-pointer set-up (a backtrace
 * from a hook skips only this function).  GCC only. */
#if defined(__GNUC__) && !defined(__clang__)
#define NO_FRAME_POINTER    __attribute__((optimize("omit-frame-pointer")))
#else
#define NO_FRAME_POINTER
#endif

/* The default fault hook: nothing can resolve a fault before one is registered. */
static int no_fault_handler(uint64_t addr, unsigned access, struct fault_info *info)
{
    (void)addr, (void)access;
    *info = (struct fault_info){ .kind = "fault before a fault handler was registered" };
    return -1;
}

/* The default readable hook: no app memory is known to be readable. */
static int nothing_readable(uint64_t va)
{
    (void)va;
    return 0;
}

/* The default pid hook: reports name no process. */
static int no_pid(void)
{
    return 0;
}

/* The default syscall hook: no system calls. */
static void no_syscalls(struct trapframe *tf)
{
    tf->regs[10] = (uint64_t)-38;       /* -ENOSYS */
}

/* The default fast syscall hook: the full path runs every call. */
static struct arch_syscall_ret all_full(long a0, long a1, long a2, long a3, long a4, long a5, long a6,
                                        long nr)
{
    (void)a1, (void)a2, (void)a3, (void)a4, (void)a5, (void)a6, (void)nr;
    return (struct arch_syscall_ret){ a0, ARCH_SYSCALL_FULL };
}

/* The default to_user hook: nothing to do. */
static void nothing_to_do(struct trapframe *tf)
{
    (void)tf;
}

/* Set by arch_register_hooks during boot, before the app runs; read-only after. */
static struct arch_hooks hooks = { no_fault_handler, nothing_readable, NULL, no_pid, no_syscalls,
                                   all_full, nothing_to_do };

/* Contract in arch/trap.h. */
void arch_register_hooks(const struct arch_hooks *h)
{
    if (h->fault)
        hooks.fault = h->fault;
    if (h->readable)
        hooks.readable = h->readable;
    if (h->terminate)
        hooks.terminate = h->terminate;
    if (h->pid)
        hooks.pid = h->pid;
    if (h->syscall)
        hooks.syscall = h->syscall;
    if (h->syscall_fast)
        hooks.syscall_fast = h->syscall_fast;
    if (h->to_user)
        hooks.to_user = h->to_user;
}

/* Contract in arch_internal.h. */
int arch_report_pid(void)
{
    return hooks.pid();
}

/* Contract in arch_internal.h.  The trap frame being handled (if any) is
 * given up: sscratch gets the trap stack's top back, and the timer's
 * hardware deadline is re-armed (an event may have ended the program in
 * the middle of the timer's interrupt). */
void arch_end_program(int status)
{
    if (hooks.terminate) {
        arch_irq_save();
        csr_write(sscratch, (uint64_t)trap_stack_top);
        timer_rearm();
        hooks.terminate(status);
    }
    arch_exit(status);
}

/* Contract in arch_internal.h. */
int arch_report_readable(uint64_t va)
{
    if (va >= (uint64_t)boot_stack_bottom && va + sizeof(uint64_t) <= (uint64_t)trap_stack_top)
        return 1;
    if ((va >= (uint64_t)__kernel_start && va + sizeof(uint64_t) <= (uint64_t)__kernel_text_end))
        return 1;
    return va < USER_END && hooks.readable(va);
}

void trap_init(void)
{
    csr_write(stvec, (uint64_t)trap_entry);
    csr_write(sscratch, (uint64_t)trap_stack_top);
#ifdef CAPSULE_PRIV_USER
    /* U-mode may read the cycle, time and instret counters (as on Linux). */
    csr_write(scounteren, 7);
#endif
}

/* { first pc, end pc, fixup } entries, ending with zeros (usercopy.S). */
extern const uint64_t usercopy_fixups[];

uint64_t arch_fault_fixup(uint64_t pc)
{
    for (const uint64_t *f = usercopy_fixups; f[0]; f += 3)
        if (pc >= f[0] && pc < f[1])
            return f[2];
    return 0;
}

/* The page and access faults, by exception code: the access libmm is asked
 * about (0: not such a fault) and the name a report uses. */
struct fault_kind {
    unsigned    access;
    const char *what;
};
static const struct fault_kind fault_kinds[EXC_STORE_PAGE_FAULT + 1] = {
    [EXC_INST_ACCESS]       = { FAULT_EXEC, "instruction access fault" },
    [EXC_LOAD_ACCESS]       = { FAULT_READ, "load access fault" },
    [EXC_STORE_ACCESS]      = { FAULT_WRITE, "store access fault" },
    [EXC_INST_PAGE_FAULT]   = { FAULT_EXEC, "instruction page fault" },
    [EXC_LOAD_PAGE_FAULT]   = { FAULT_READ, "load page fault" },
    [EXC_STORE_PAGE_FAULT]  = { FAULT_WRITE, "store page fault" },
};

/* A fault the hook did not resolve (info filled by it), or one it was not
 * asked about (inside the trap handler, or before a hook is registered): a
 * fault-safe copy that faulted returns -1 through its fixup; anything else is
 * reported and ends the app. */
static __attribute__((noinline)) void unresolved_fault(struct trapframe *tf, struct fault_info *info)
{
    const char *what = fault_kinds[tf->scause].what;
    uint64_t fixup = tf->regs[0] != 0 ? arch_fault_fixup(tf->sepc) : 0;
    if (fixup) {
        tf->sepc = fixup;
        return;
    }
    if (!info->kind)
        info->kind = "invalid access";
    kprintf("capsule: %s at 0x%016lx: %s\n", what, tf->stval, info->kind);
    if (info->has_region)
        kprintf("capsule:   in %s [0x%lx-0x%lx) %s\n", info->region_name,
                info->region_start, info->region_end, info->region_perms);
    else
        kprintf("capsule:   no mapping (VMA) contains this address\n");
    report_trap(tf, what, info->no_memory ? EXIT_STATUS_SIGKILL
                          : info->bus_error ? EXIT_STATUS_SIGBUS : EXIT_STATUS_SIGSEGV);
}

/* The fault hook's answer for the fault trap_fault_fast could not resolve,
 * which the vector hands to trap_dispatch next (one hart; the fast path
 * runs only outside a handler). */
static struct fault_info fast_info;
static int fast_info_pending;

/* Page and access faults (tf->scause indexes fault_kinds): ask the fault
 * hook (unless the fast path just did), but not from inside the trap
 * handler (its sscratch slot is 0); what it cannot resolve goes to
 * unresolved_fault. */
static void page_fault(struct trapframe *tf, unsigned access)
{
    struct fault_info info;

#ifdef CAPSULE_PRIV_USER
    /* The libOS touches the app's pages only inside the checked copies
     * (sstatus.SUM); any other access would fault again after every fix. */
    if (!TRAP_FROM_USER(tf) && tf->stval < USER_END && !arch_fault_fixup(tf->sepc)) {
        info = (struct fault_info){ .kind = "libOS access to app memory outside the checked copies" };
        unresolved_fault(tf, &info);
        return;
    }
#endif
    if (fast_info_pending) {
        fast_info_pending = 0;
        info = fast_info;
    } else if (tf->regs[0] != 0) {
        if (hooks.fault(tf->stval, access, &info) == 0)
            return;
    } else {
        info = (struct fault_info){ .kind = "fault inside the trap handler" };
    }
    unresolved_fault(tf, &info);
}

/* Contract in arch/trap.h.  From outside a handler only (the vector's
 * fast path is not taken for a nested trap); the checks are page_fault's.
 * A fault the hook did not resolve is not asked about again: page_fault
 * takes the hook's answer from fast_info. */
NO_FRAME_POINTER int trap_fault_fast(struct trapframe *tf)
{
    unsigned access = fault_kinds[tf->scause].access;

#ifdef CAPSULE_PRIV_USER
    if (!TRAP_FROM_USER(tf) && tf->stval < USER_END && !arch_fault_fixup(tf->sepc))
        return 1;       /* a libOS access to app memory: page_fault reports it */
#endif
    if (!access)
        return 1;
    if (hooks.fault(tf->stval, access, &fast_info) == 0)
        return 0;
    fast_info_pending = 1;
    return 1;
}

static void exception(struct trapframe *tf)
{
    uint64_t probe = arch_probe_fixup(tf->sepc);
    if (SCAUSE_CODE(tf->scause) == EXC_ILLEGAL_INST && probe) {
        tf->sepc = probe;
        tf->regs[10] = 0;       /* a0: the probed feature is absent */
        return;
    }
    switch (SCAUSE_CODE(tf->scause)) {
    case EXC_ILLEGAL_INST:      report_trap(tf, "illegal instruction", EXIT_STATUS_SIGILL);
    case EXC_BREAKPOINT:        report_trap(tf, "breakpoint", EXIT_STATUS_SIGTRAP);
    case EXC_INST_MISALIGNED:   report_trap(tf, "misaligned instruction fetch", EXIT_STATUS_SIGBUS);
    case EXC_LOAD_MISALIGNED:   report_trap(tf, "misaligned load", EXIT_STATUS_SIGBUS);
    case EXC_STORE_MISALIGNED:  report_trap(tf, "misaligned store", EXIT_STATUS_SIGBUS);
    default:                    report_trap(tf, "unexpected exception", EXIT_STATUS_SIGABRT);
    }
}

/* External interrupts through the PLIC: the UART's receive interrupt. */
static void external_interrupt(void)
{
    uint32_t irq, uart_irq = arch_boot_info()->uart_irq;
    while ((irq = plic_claim()) != 0) {
        if (irq == uart_irq)
            console_rx_interrupt();
        plic_complete(irq);
    }
}

static void interrupt(struct trapframe *tf)
{
    switch (SCAUSE_CODE(tf->scause)) {
    case IRQ_S_TIMER:   timer_interrupt(tf); return;
    case IRQ_S_EXT:     external_interrupt(); return;
    default:            report_trap(tf, "unexpected interrupt", EXIT_STATUS_SIGABRT);
    }
}

#ifdef CAPSULE_PRIV_USER
/* An ecall from U-mode: the system call runs on the process's kernel stack
 * (the frame's), with interrupts on, as libOS code outside a handler (the
 * next trap uses the trap stack); the frame's a0 (and a1) get the result. */
static void user_syscall(struct trapframe *tf)
{
    tf->sepc += 4;
    csr_write(sscratch, (uint64_t)trap_stack_top);
    arch_interrupts_on();
    hooks.syscall(tf);
    arch_irq_save();
}

/* Contract in arch/trap.h. */
NO_FRAME_POINTER struct arch_syscall_ret trap_ecall_fast(long a0, long a1, long a2, long a3, long a4, long a5, long a6,
                                        long nr)
{
    return hooks.syscall_fast(a0, a1, a2, a3, a4, a5, a6, nr);
}

/* A trap from U-mode, on the process's kernel stack: a system call, a
 * fault (resolved, or a report that ends the process), an interrupt, or an
 * exception (a privileged instruction, a CSR access, wfi, sret: a report
 * and SIGILL); then the to_user hook. */
static void user_trap(struct trapframe *tf)
{
    uint64_t cause = tf->scause;
    if (cause == EXC_ECALL_U)
        user_syscall(tf);
    else if (cause <= EXC_STORE_PAGE_FAULT && fault_kinds[cause].access)
        page_fault(tf, fault_kinds[cause].access);
    else if (cause & SCAUSE_INTERRUPT)
        interrupt(tf);
    else
        exception(tf);
    hooks.to_user(tf);
}
#endif

/* Faults first: they are the common trap, and an interrupt's scause (bit 63
 * set) is never below the table's end. */
void trap_dispatch(struct trapframe *tf)
{
    uint64_t cause = tf->scause;
#ifdef CAPSULE_PRIV_USER
    if (TRAP_FROM_USER(tf)) {
        user_trap(tf);
        return;
    }
#endif

    if (cause <= EXC_STORE_PAGE_FAULT && fault_kinds[cause].access) {
        page_fault(tf, fault_kinds[cause].access);
        return;
    }
    if (cause & SCAUSE_INTERRUPT)
        interrupt(tf);
    else
        exception(tf);
}
