/* Context switching's C side (arch/context.h): the layout checks shared
 * with switch.S, the ASID probe's answer and diverting a trap into a call. */
#include <stddef.h>

#include <arch/context.h>
#include <arch/csr.h>
#include <arch/trap.h>

_Static_assert(offsetof(struct arch_context, ra) == CTX_RA, "context ra");
_Static_assert(offsetof(struct arch_context, sp) == CTX_SP, "context sp");
_Static_assert(offsetof(struct arch_context, s[11]) == CTX_S(11), "context s11");
_Static_assert(offsetof(struct arch_context, fs[11]) == CTX_FS(11), "context fs11");
_Static_assert(offsetof(struct arch_context, fcsr) == CTX_FCSR, "context fcsr");
_Static_assert(offsetof(struct arch_context, satp) == CTX_SATP, "context satp");
_Static_assert(sizeof(struct arch_context) == CTX_SIZE, "context size");
_Static_assert(DIVERT_FP_BYTES % 16 == 0 && DIVERT_FP_BYTES >= 21 * 8, "divert FP area");

uint64_t arch_asid_probe(void);
extern char arch_divert_trampoline[];

/* Contract in arch/context.h.  Probed on first use (boot asks before the
 * first process starts); read-only afterwards. */
unsigned arch_asid_bits(void)
{
    static int bits = -1;
    if (bits < 0) {
        uint64_t mask = arch_asid_probe();
        bits = 0;
        while (mask & 1) {
            bits++;
            mask >>= 1;
        }
    }
    return (unsigned)bits;
}

/* Contract in arch/context.h.  The copy of tf goes below the interrupted sp
 * (16-byte aligned), with fn in its scratch slot; the trap then returns into
 * the trampoline on that copy. */
void arch_divert(struct trapframe *tf, void (*fn)(void))
{
    uint64_t sp = (tf->regs[2] - TF_SIZE) & ~(uint64_t)15;
    struct trapframe *copy = (struct trapframe *)sp;
    *copy = *tf;
    copy->regs[0] = (uint64_t)fn;
    tf->regs[2] = sp;
    tf->sepc = (uint64_t)arch_divert_trampoline;
}

extern char arch_user_resume[];

/* Contract in arch/context.h.  arch_user_resume (switch.S) calls s1 and
 * returns into the frame at sp. */
void arch_context_user(struct arch_context *c, struct trapframe *tf, void (*first)(void))
{
    c->ra = (uint64_t)arch_user_resume;
    c->sp = (uint64_t)tf;
    c->s[0] = 0;
    c->s[1] = (uint64_t)first;
    c->fcsr = 0;
}
