/* The PLIC (platform-level interrupt controller) for this hart's S-mode
 * context: enable a source, claim and complete.  QEMU's virt board numbers
 * contexts 2 * hart (M-mode) and 2 * hart + 1 (S-mode). */
#include <arch/bootinfo.h>

#include "arch_internal.h"

#define PLIC_PRIORITY(irq)      (4 * (irq))
#define PLIC_ENABLE(ctx)        (0x2000 + 0x80 * (ctx))
#define PLIC_THRESHOLD(ctx)     (0x200000 + 0x1000 * (ctx))
#define PLIC_CLAIM(ctx)         (0x200004 + 0x1000 * (ctx))

static volatile uint32_t *plic_reg(uint64_t off)
{
    return (volatile uint32_t *)arch_direct_map(arch_boot_info()->plic_pa + off);
}

static uint64_t s_context(void)
{
    return 2 * arch_boot_info()->hartid + 1;
}

/* Contract in arch_internal.h. */
void plic_enable(uint32_t irq)
{
    if (!arch_boot_info()->plic_pa || irq == 0)
        return;
    *plic_reg(PLIC_PRIORITY(irq)) = 1;
    *plic_reg(PLIC_ENABLE(s_context()) + 4 * (irq / 32)) |= 1u << (irq % 32);
    *plic_reg(PLIC_THRESHOLD(s_context())) = 0;
}

/* Contract in arch_internal.h. */
uint32_t plic_claim(void)
{
    return arch_boot_info()->plic_pa ? *plic_reg(PLIC_CLAIM(s_context())) : 0;
}

/* Contract in arch_internal.h. */
void plic_complete(uint32_t irq)
{
    *plic_reg(PLIC_CLAIM(s_context())) = irq;
}
