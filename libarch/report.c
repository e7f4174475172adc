/* Fault and panic reports: cause, pc, registers and a frame-pointer
 * backtrace.  Lines "    #N 0x..." are symbolized by the host runner
 * (addr2line on the image's ELF). */
#include <stdbool.h>

#include <arch/console.h>
#include <arch/csr.h>
#include <arch/exit.h>
#include <arch/layout.h>

#include "arch_internal.h"

#define BACKTRACE_MAX_FRAMES 32
#define FRAME_RA_SLOT   1       /* saved ra at fp - 8 */
#define FRAME_FP_SLOT   2       /* saved caller fp at fp - 16 */

static const char *const reg_names[32] = {
    "zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0", "a1", "a2", "a3", "a4", "a5",
    "a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6",
};

static bool is_text(uint64_t pc)
{
    return (pc >= (uint64_t)__kernel_start && pc < (uint64_t)__kernel_text_end) ||
           (pc >= (uint64_t)__app_start && pc < (uint64_t)__app_text_end);
}

/* A frame pointer we may read: aligned, and both slots below it readable
 * (the readable hook). */
static bool fp_readable(uint64_t fp)
{
    if (fp % sizeof(uint64_t) || fp < NULL_GUARD_END + 2 * sizeof(uint64_t))
        return false;
    return arch_report_readable(fp - 2 * sizeof(uint64_t)) && arch_report_readable(fp - sizeof(uint64_t));
}

void print_backtrace(uint64_t pc, uint64_t ra, uint64_t fp)
{
    kprintf("capsule: backtrace:\n");
    kprintf("    #0 0x%016lx\n", pc);
    int depth = 1;
    if (!is_text(pc) && is_text(ra)) {
        /* a call or jump to a bad address: ra names the caller, whose frame is fp */
        kprintf("    #1 0x%016lx\n", ra - 4);
        depth = 2;
    }
    for (; depth < BACKTRACE_MAX_FRAMES && fp_readable(fp); depth++) {
        const uint64_t *frame = (const uint64_t *)fp;
        uint64_t saved_ra = frame[-FRAME_RA_SLOT], saved_fp = frame[-FRAME_FP_SLOT];
        if (depth == 1 && !is_text(saved_ra) && is_text(ra)) {
            /* A leaf function keeps ra in its register and saves only fp at fp - 8. */
            saved_fp = saved_ra;
            saved_ra = ra;
        }
        if (!is_text(saved_ra))
            break;
        kprintf("    #%d 0x%016lx\n", depth, saved_ra - 4);   /* the call, not the return */
        if (saved_fp <= fp)
            break;
        fp = saved_fp;
    }
}

static void print_registers(const struct trapframe *tf)
{
    for (int i = 1; i < 32; i++)
        kprintf("  %-4s %016lx%s", reg_names[i], tf->regs[i], i % 4 == 3 ? "\n" : "");
    kprintf("\n");
}

void report_trap(const struct trapframe *tf, const char *what, int status)
{
    bool app = tf->sepc < USER_END;
    kprintf("capsule: %s in %s: sepc 0x%016lx stval 0x%016lx scause 0x%lx\n", what,
            app ? "the app" : "the libOS", tf->sepc, tf->stval, tf->scause);
    print_registers(tf);
    print_backtrace(tf->sepc, tf->regs[1], tf->regs[8]);
    kprintf("capsule: exit status %d\n", status);
    arch_exit(status);
}

void panic(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    kprintf("capsule: panic: ");
    kvprintf(fmt, ap);
    kprintf("\n");
    va_end(ap);
    const uint64_t *frame = __builtin_frame_address(0);
    print_backtrace((uint64_t)__builtin_return_address(0) - 4, 0, frame[-FRAME_FP_SLOT]);
    kprintf("capsule: exit status %d\n", EXIT_STATUS_SIGABRT);
    arch_exit(EXIT_STATUS_SIGABRT);
}
