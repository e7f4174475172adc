/* The trap frame that trapvec.S saves on the per-hart trap stack (traps
 * from S-mode) or on the running process's kernel stack (traps from U-mode
 * in priv=user: sscratch holds its top while U-mode runs), and the trap
 * entry points.  Offsets are shared with the assembly and checked at
 * compile time in trap.c. */
#ifndef ARCH_TRAP_H
#define ARCH_TRAP_H

/* Register i (x0..x31) is at TF_REG(i); slot 0 (x0 is always 0) holds the
 * value sscratch gets back on return (the trap stack top, or 0 when nested). */
#define TF_REG(i)       ((i) * 8)
#define TF_SCRATCH      TF_REG(0)
#define TF_RA           TF_REG(1)
#define TF_SP           TF_REG(2)
#define TF_S0           TF_REG(8)
#define TF_A0           TF_REG(10)
#define TF_SEPC         (32 * 8)
#define TF_SSTATUS      (33 * 8)
#define TF_SCAUSE       (34 * 8)
#define TF_STVAL        (35 * 8)
#define TF_SIZE         (36 * 8)

/* priv=user: what a fast system call returns in a1 when the call needs the
 * whole trap frame instead (never a mask of signals: bit 0 names none). */
#define ARCH_SYSCALL_FULL   (-1)

#define TRAP_STACK_SIZE (16 * 1024)
#define BOOT_STACK_SIZE (16 * 1024)

#ifndef __ASSEMBLER__
#include <stdint.h>

#include <arch/csr.h>

struct trapframe {
    uint64_t regs[32];      /* regs[0]: sscratch to restore; regs[i]: xi */
    uint64_t sepc;
    uint64_t sstatus;
    uint64_t scause;
    uint64_t stval;
};

/* Install the trap vector and this hart's trap stack. */
void trap_init(void);

/* ---- Hooks: how the layers above serve traps (libarch calls up only through these) ---- */

/* The access a page or access fault attempted. */
#define FAULT_READ      1u
#define FAULT_WRITE     2u
#define FAULT_EXEC      4u

/* What the fault handler knows about an address it could not resolve, for the report. */
struct fault_info {
    const char *kind;       /* "NULL pointer dereference", "stack overflow (guard page)", ... */
    int         no_memory;  /* unresolved for want of a frame: the app ends with SIGKILL, not SIGSEGV */
    int         bus_error;  /* a page wholly past the end of a mapped file: SIGBUS, not SIGSEGV */
    int         has_region; /* whether addr lies in a known region (VMA) */
    uint64_t    region_start, region_end;
    const char *region_name;
    const char *region_perms;   /* "r-x", "rw-", ... */
};

/* A system call's two results (a0, a1): a C function returns it in a0 and a1. */
struct arch_syscall_ret {
    long a0, a1;
};

struct arch_hooks {
    /* Resolve a fault at addr for access (FAULT_*).  Returns 0 when the access
     * can be retried; otherwise nonzero after filling *info for the report
     * (kind, no_memory, bus_error and has_region always; the region_* fields when
     * has_region).  *info is not initialised by the caller. */
    int  (*fault)(uint64_t addr, unsigned access, struct fault_info *info);
    /* Whether a report may read the 8 bytes at va of the app's memory (a
     * backtrace walking frame pointers on the app's stacks): mapped readable.
     * libarch's own stacks and text need no hook. */
    int  (*readable)(uint64_t va);
    /* End the running program (process) with status (128 + signal for a
     * report) after its report was printed; called with interrupts off,
     * from a trap's handler or from the program's own context.  May switch
     * to another program and never return; when it returns (or none is
     * registered) the machine stops with status. */
    void (*terminate)(int status);
    /* The running program's id for reports (0: none to name). */
    int  (*pid)(void);
    /* priv=user: an ecall from U-mode (tf->sepc already past it), with
     * interrupts on: the number in a7, arguments in a0..a5; store the
     * result in tf's a0 (and a1).  Default: -ENOSYS (-38) in a0. */
    void (*syscall)(struct trapframe *tf);
    /* priv=user: the same, from the trap vector's fast path, which keeps
     * only the caller-saved registers: the arguments a0..a5, the number nr
     * (in a7, as the ecall had it; a6 means nothing).
     * Returns a1 ARCH_SYSCALL_FULL, having done nothing, for a call that
     * needs the whole frame (copies it, reports it) or the to_user step;
     * the syscall hook then runs it.  Default: every call is such a call. */
    struct arch_syscall_ret (*syscall_fast)(long a0, long a1, long a2, long a3, long a4, long a5,
                                            long a6, long nr);
    /* priv=user: the last step of every trap from U-mode before the
     * return to tf (interrupts off): e.g. switch to another process. */
    void (*to_user)(struct trapframe *tf);
};

/* Register the hooks (copied; a NULL member keeps the default: every fault is
 * reported unresolved, a backtrace reads no app memory, an ended program
 * stops the machine, reports name no pid).
 * Called once by the boot sequence before the app runs. */
void arch_register_hooks(const struct arch_hooks *hooks);
/* Called by trapvec.S with the saved frame; returns to resume at tf->sepc. */
void trap_dispatch(struct trapframe *tf);
/* Called by trapvec.S's fast path for a page fault, with tf holding only
 * sepc, sstatus, scause, stval, sp and the caller-saved registers: 0 when
 * the fault hook resolved it; otherwise 1 (the vector completes the frame
 * and calls trap_dispatch). */
int trap_fault_fast(struct trapframe *tf);
/* priv=user: called by trapvec.S's fast path for an ecall from U-mode
 * (the syscall_fast hook's contract). */
struct arch_syscall_ret trap_ecall_fast(long a0, long a1, long a2, long a3, long a4, long a5, long a6,
                                        long nr);
/* priv=user: return from a trap into tf (a frame at the top of a process's
 * kernel stack, which tf->regs[0] names): interrupts off, sepc, sstatus and
 * sscratch from tf, every register, sret.  The first entry into U-mode
 * builds such a frame.  Never returns. */
void arch_return_to(struct trapframe *tf) __attribute__((noreturn));
/* Whether tf interrupted U-mode. */
#define TRAP_FROM_USER(tf)  (((tf)->sstatus & SSTATUS_SPP) == 0)
#endif

#endif
