/* Fault and panic reports: cause, pc, registers and a frame-pointer
 * backtrace.  Lines "    #N 0x..." are symbolized by the host runner
 * (addr2line on the image's ELF). */
#include <stdbool.h>

#include <arch/console.h>
#include <arch/csr.h>
#include <arch/exit.h>
#include <arch/layout.h>

#include <arch/usercopy.h>

#include "arch_internal.h"

#define BACKTRACE_MAX_FRAMES 32
#define FRAME_RA_SLOT   1       /* saved ra at fp - 8 */
#define FRAME_FP_SLOT   2       /* saved caller fp at fp - 16 */

static const char *const reg_names[32] = {
    "zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0", "a1", "a2", "a3", "a4", "a5",
    "a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6",
};

/* The 8-byte word at va (checked readable by the caller), read through
 * the fault-safe copy: in priv=user the app's pages are readable from
 * S-mode only there (sstatus.SUM); 0 if it faults after all. */
static uint64_t load_word(uint64_t va)
{
    uint64_t w = 0;
    if (arch_copy_fault_safe(&w, (const void *)va, sizeof w) != 0)
        return 0;
    return w;
}

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

#define INSN_JAL_RA         0x0efu      /* jal ra, imm: opcode 1101111, rd = ra */
#define INSN_JAL_RA_MASK    0xfffu
#define INSN_AUIPC_RA       0x097u      /* auipc ra, imm: opcode 0010111, rd = ra */
#define INSN_AUIPC_RA_MASK  0xfffu
#define INSN_JALR_RA_RA     0x80e7u     /* jalr ra, imm(ra): opcode 1100111, rd = rs1 = ra */
#define INSN_JALR_RA_MASK   0xfffffu

/* The 32-bit instruction at pc, read as two halfwords (compressed code
 * aligns it to 2 only); false when pc is not readable libOS or app text. */
static bool text_insn(uint64_t pc, uint32_t *insn)
{
    if (!is_text(pc) || !arch_report_readable(pc & ~(uint64_t)7) ||
        !arch_report_readable((pc + 3) & ~(uint64_t)7))
        return false;
    uint16_t half[2];
    if (arch_copy_fault_safe(half, (const void *)pc, sizeof half) != 0)
        return false;
    *insn = half[0] | (uint32_t)half[1] << 16;
    return true;
}

static int64_t sign_extend(uint64_t value, unsigned bits)
{
    uint64_t sign = (uint64_t)1 << (bits - 1);
    return (int64_t)((value ^ sign) - sign);
}

/* The target of the call just before the return address ret when it is a
 * direct call -- `jal ra, imm`, or `auipc ra, hi; jalr ra, lo(ra)` (a call
 * beyond jal's reach, e.g. between the libOS and the app) -- else 0. */
static uint64_t direct_call_target(uint64_t ret)
{
    uint32_t insn, hi;
    if (!text_insn(ret - 4, &insn))
        return 0;
    if ((insn & INSN_JAL_RA_MASK) == INSN_JAL_RA) {
        /* J-type immediate: imm[20|10:1|11|19:12] in bits 31|30:21|20|19:12 */
        uint64_t imm = ((insn >> 21) & 0x3ff) << 1 | ((insn >> 20) & 1) << 11 |
                       ((insn >> 12) & 0xff) << 12 | (uint64_t)(insn >> 31) << 20;
        return ret - 4 + (uint64_t)sign_extend(imm, 21);
    }
    if ((insn & INSN_JALR_RA_MASK) == INSN_JALR_RA_RA && text_insn(ret - 8, &hi) &&
        (hi & INSN_AUIPC_RA_MASK) == INSN_AUIPC_RA)
        return ret - 8 + (uint64_t)sign_extend(hi & ~(uint64_t)0xfff, 32) +
               (uint64_t)sign_extend(insn >> 20, 12);
    return 0;
}

/* Whether pc lies in a function that stored no frame of its own (an assembly
 * routine such as memset, or a fast path built without a frame pointer):
 * then ra, not the frame at fp, names its caller f, and the frame at fp is
 * f's, whose saved return is frame_ra.  The register state alone cannot
 * tell this from f itself faulting after an earlier call returned, so it is
 * judged from the two direct calls: the one before ra (to pc's function
 * when it is frameless, so its target is at or below pc) and the one before
 * frame_ra (to f: then pc lies outside f, below f's entry or in a callee
 * placed above it).  Indirect calls give no answer (false). */
static bool pc_in_frameless_callee(uint64_t pc, uint64_t ra, uint64_t frame_ra)
{
    uint64_t callee = direct_call_target(ra);
    uint64_t caller = direct_call_target(frame_ra);
    if (!callee || !caller || callee > pc || ra == frame_ra)
        return false;
    return pc < caller || caller < callee;
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
    } else if (is_text(ra) && fp_readable(fp) &&
               pc_in_frameless_callee(pc, ra, load_word(fp - 8 * FRAME_RA_SLOT))) {
        kprintf("    #1 0x%016lx\n", ra - 4);
        depth = 2;
    }
    for (; depth < BACKTRACE_MAX_FRAMES && fp_readable(fp); depth++) {
        uint64_t saved_ra = load_word(fp - 8 * FRAME_RA_SLOT), saved_fp = load_word(fp - 8 * FRAME_FP_SLOT);
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

/* " (pid N)" when the layer above names the running program. */
static void print_pid(void)
{
    int pid = arch_report_pid();
    if (pid > 0)
        kprintf(" (pid %d)", pid);
}

/* The report's last line. */
static void print_status(int status)
{
    kprintf("capsule: exit status %d", status);
    print_pid();
    kprintf("\n");
}

void report_trap(const struct trapframe *tf, const char *what, int status)
{
    bool app = tf->sepc < USER_END;
    kprintf("capsule: %s in %s", what, app ? "the app" : "the libOS");
    print_pid();
    kprintf(": sepc 0x%016lx stval 0x%016lx scause 0x%lx\n", tf->sepc, tf->stval, tf->scause);
    print_registers(tf);
    print_backtrace(tf->sepc, tf->regs[1], tf->regs[8]);
    print_status(status);
    arch_end_program(status);
}

/* The report of panic and arch_fatal: the message, optionally a backtrace
 * from the caller's return address (pc) and frame (fp), and the status.  A
 * panic stops the machine; arch_fatal ends the running program. */
static __attribute__((noreturn)) void fatal_report(int status, const char *prefix, const char *fmt,
                                                   va_list ap, uint64_t pc, uint64_t fp)
{
    bool is_panic = prefix[0] != '\0';
    kprintf("capsule: %s", prefix);
    kvprintf(fmt, ap);
    kprintf("\n");
    if (pc)
        print_backtrace(pc, 0, fp);
    if (is_panic) {
        kprintf("capsule: exit status %d\n", status);
        arch_exit(status);
    }
    print_status(status);
    arch_end_program(status);
}

void panic(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    const uint64_t *frame = __builtin_frame_address(0);
    fatal_report(EXIT_STATUS_SIGABRT, "panic: ", fmt, ap, (uint64_t)__builtin_return_address(0) - 4,
                 frame[-FRAME_FP_SLOT]);
}

/* Contract in arch/exit.h. */
void arch_fatal_frame(int status, const struct trapframe *tf, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    kprintf("capsule: ");
    kvprintf(fmt, ap);
    kprintf("\n");
    print_backtrace(tf->sepc, tf->regs[1], tf->regs[8]);
    print_status(status);
    arch_end_program(status);
}

/* Contract in arch/exit.h. */
void arch_fatal(int status, int backtrace, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    const uint64_t *frame = __builtin_frame_address(0);
    fatal_report(status, "", fmt, ap, backtrace ? (uint64_t)__builtin_return_address(0) - 4 : 0,
                 frame[-FRAME_FP_SLOT]);
}
