/* Host test support: a simulated RAM that libmm manages as "physical" memory,
 * the boot information kinit() reads, and counters for the TLB operations
 * that arch/mmu.h routes here under CAPSULE_HOST. */
#ifndef TEST_SIM_H
#define TEST_SIM_H

#include <stdint.h>
#include <stddef.h>
#include <setjmp.h>

#define SIM_RAM_BASE    0x80000000UL     /* simulated physical base, as on QEMU virt */
#define SIM_FW_SIZE     0x200000UL       /* "firmware" reserved at the start */
#define SIM_IMAGE_SIZE  0x200000UL       /* "image" reserved after it */

/* Allocate ram_bytes of simulated RAM (aligned to 1 GiB in the simulated
 * physical space and to 16 MiB on the host) and describe it in the boot info:
 * one RAM region at SIM_RAM_BASE, firmware and image reserved. */
void     sim_ram_init(uint64_t ram_bytes);
/* Release the simulated RAM. */
void     sim_ram_fini(void);
/* A fresh simulated RAM of ram_bytes with libmm initialised over it (kinit);
 * returns the free-frame count, the baseline for sim_mm_finish. */
uint64_t sim_mm_start(uint64_t ram_bytes);
/* End of a test that used sim_mm_start: give back kalloc's cached slabs, fail
 * the test unless the free-frame count is back at baseline (a leak) and the
 * allocator is consistent, then release the RAM. */
void     sim_mm_finish(uint64_t baseline_pages);
/* Host address of the simulated physical address pa. */
void    *sim_pa(uint64_t pa);

/* TLB operation counters and the simulated satp. */
extern uint64_t sim_sfence_all_count, sim_sfence_page_count;
extern uint64_t sim_satp;

/* panic() on the host: when sim_expect_panic is set, panic longjmps to
 * sim_panic_jmp (so a test can prove that a bad call is detected); otherwise
 * it prints and aborts.  sim_last_panic holds the message. */
extern int     sim_expect_panic;
extern jmp_buf sim_panic_jmp;
extern char    sim_last_panic[512];

/* Run stmt and evaluate to 1 if it panicked, 0 if it returned. */
#define SIM_PANICS(stmt) ({                                  \
        volatile int panicked_ = 0;                          \
        sim_expect_panic = 1;                                \
        if (setjmp(sim_panic_jmp) == 0) { stmt; }            \
        else panicked_ = 1;                                  \
        sim_expect_panic = 0;                                \
        panicked_; })

#endif
