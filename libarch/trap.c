/* Trap dispatch: page faults go to libmm, which resolves them or says why
 * not; anything unresolved or unexpected is reported and ends the app. */
#include <stddef.h>

#include <arch/console.h>
#include <arch/csr.h>
#include <arch/exit.h>
#include <arch/layout.h>
#include <arch/trap.h>
#include <arch/usercopy.h>

#include <mm/errno.h>
#include <mm/fault.h>

#include "arch_internal.h"

_Static_assert(offsetof(struct trapframe, regs[2]) == TF_SP, "trapframe sp");
_Static_assert(offsetof(struct trapframe, sepc) == TF_SEPC, "trapframe sepc");
_Static_assert(offsetof(struct trapframe, sstatus) == TF_SSTATUS, "trapframe sstatus");
_Static_assert(offsetof(struct trapframe, scause) == TF_SCAUSE, "trapframe scause");
_Static_assert(offsetof(struct trapframe, stval) == TF_STVAL, "trapframe stval");
_Static_assert(sizeof(struct trapframe) == TF_SIZE, "trapframe size");
_Static_assert(TF_SIZE % 16 == 0, "trap frames keep the stack 16-byte aligned");

extern char trap_entry[];

void trap_init(void)
{
    csr_write(stvec, (uint64_t)trap_entry);
    csr_write(sscratch, (uint64_t)trap_stack_top);
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

/* Page faults: ask libmm; a fault-safe copy that faulted returns -1 through
 * its fixup; anything else unresolved is reported and ends the app. */
static void page_fault(struct trapframe *tf, unsigned access, const char *what)
{
    struct fault_info info = { 0 };
    int err = tf->regs[0] != 0 ? mm_fault(tf->stval, access, &info) : -MM_EFAULT;
    if (err == 0)
        return;
    uint64_t fixup = tf->regs[0] != 0 ? arch_fault_fixup(tf->sepc) : 0;
    if (fixup) {
        tf->sepc = fixup;
        return;
    }
    if (tf->regs[0] == 0)
        info.kind = "fault inside the trap handler";
    else if (!info.kind)
        info.kind = "invalid access";
    kprintf("capsule: %s at 0x%016lx: %s\n", what, tf->stval, info.kind);
    if (info.has_region)
        kprintf("capsule:   in %s [0x%lx-0x%lx) %s\n", info.region_name,
                info.region_start, info.region_end, info.region_perms);
    else
        kprintf("capsule:   no mapping (VMA) contains this address\n");
    report_trap(tf, what, err == -MM_ENOMEM ? EXIT_STATUS_SIGKILL : EXIT_STATUS_SIGSEGV);
}

static void exception(struct trapframe *tf)
{
    switch (SCAUSE_CODE(tf->scause)) {
    case EXC_LOAD_PAGE_FAULT:   page_fault(tf, FAULT_READ, "load page fault"); return;
    case EXC_STORE_PAGE_FAULT:  page_fault(tf, FAULT_WRITE, "store page fault"); return;
    case EXC_INST_PAGE_FAULT:   page_fault(tf, FAULT_EXEC, "instruction page fault"); return;
    case EXC_LOAD_ACCESS:       page_fault(tf, FAULT_READ, "load access fault"); return;
    case EXC_STORE_ACCESS:      page_fault(tf, FAULT_WRITE, "store access fault"); return;
    case EXC_INST_ACCESS:       page_fault(tf, FAULT_EXEC, "instruction access fault"); return;
    case EXC_ILLEGAL_INST:      report_trap(tf, "illegal instruction", EXIT_STATUS_SIGILL);
    case EXC_BREAKPOINT:        report_trap(tf, "breakpoint", EXIT_STATUS_SIGTRAP);
    case EXC_INST_MISALIGNED:   report_trap(tf, "misaligned instruction fetch", EXIT_STATUS_SIGBUS);
    case EXC_LOAD_MISALIGNED:   report_trap(tf, "misaligned load", EXIT_STATUS_SIGBUS);
    case EXC_STORE_MISALIGNED:  report_trap(tf, "misaligned store", EXIT_STATUS_SIGBUS);
    default:                    report_trap(tf, "unexpected exception", EXIT_STATUS_SIGABRT);
    }
}

void trap_dispatch(struct trapframe *tf)
{
    if (tf->scause & SCAUSE_INTERRUPT)
        report_trap(tf, "unexpected interrupt", EXIT_STATUS_SIGABRT);
    exception(tf);
}
