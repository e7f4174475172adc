/* RISC-V supervisor CSRs: names, bits and accessors. */
#ifndef ARCH_CSR_H
#define ARCH_CSR_H

#include <arch/mmu.h>

#define SSTATUS_SIE     (U64(1) << 1)
#define SSTATUS_SPIE    (U64(1) << 5)
#define SSTATUS_SPP     (U64(1) << 8)
#define SSTATUS_FS      (U64(3) << 13)
#define SSTATUS_FS_INITIAL (U64(1) << 13)
#define SSTATUS_SUM     (U64(1) << 18)

#define SCAUSE_INTERRUPT    (U64(1) << 63)
#define SCAUSE_CODE(c)      ((c) & ~SCAUSE_INTERRUPT)

/* Exception codes (privileged spec, scause with interrupt bit clear). */
#define EXC_INST_MISALIGNED     0
#define EXC_INST_ACCESS         1
#define EXC_ILLEGAL_INST        2
#define EXC_BREAKPOINT          3
#define EXC_LOAD_MISALIGNED     4
#define EXC_LOAD_ACCESS         5
#define EXC_STORE_MISALIGNED    6
#define EXC_STORE_ACCESS        7
#define EXC_ECALL_U             8
#define EXC_ECALL_S             9
#define EXC_INST_PAGE_FAULT     12
#define EXC_LOAD_PAGE_FAULT     13
#define EXC_STORE_PAGE_FAULT    15
/* Interrupt codes. */
#define IRQ_S_SOFT              1
#define IRQ_S_TIMER             5
#define IRQ_S_EXT               9

#ifndef __ASSEMBLER__
#define csr_read(csr) ({ uint64_t v_; __asm__ volatile("csrr %0, " #csr : "=r"(v_)); v_; })
#define csr_write(csr, v) __asm__ volatile("csrw " #csr ", %0" :: "rK"((uint64_t)(v)) : "memory")
#define csr_set(csr, v) __asm__ volatile("csrs " #csr ", %0" :: "rK"((uint64_t)(v)) : "memory")
#define csr_clear(csr, v) __asm__ volatile("csrc " #csr ", %0" :: "rK"((uint64_t)(v)) : "memory")

/* Retired-instruction counter (exact under qemu -icount). */
static inline uint64_t rdinstret(void)
{
    uint64_t v;
    __asm__ volatile("rdinstret %0" : "=r"(v));
    return v;
}

static inline uint64_t rdtime(void)
{
    uint64_t v;
    __asm__ volatile("rdtime %0" : "=r"(v));
    return v;
}
#endif

#endif
