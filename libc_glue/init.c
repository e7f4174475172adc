/* The boot sequence, top to bottom: what starts in which order.  entry.S
 * calls capsule_main; libarch's early init (trap vector, boot information,
 * console), then libmm, which registers with libarch, then the app's address
 * space and the app (start.c).  The one place, like xv6's main(), where the
 * layers meet: libarch calls up only into capsule_main and through the hooks
 * registered here. */
#include <arch/boot.h>
#include <arch/console.h>
#include <arch/csr.h>
#include <arch/mmu.h>
#include <arch/timer.h>
#include <arch/trap.h>
#include <capsule/boot.h>
#include <mm/fault.h>
#include <mm/kvm.h>
#include <mm/page.h>
#include <mm/page_init.h>
#include <mm/uvm.h>

#include "glue.h"

/* Written once by capsule_main; read-only afterwards. */
static uint64_t mm_init_instret;

/* How libarch's traps reach libmm: page faults, and what a report may read. */
static const struct arch_hooks mm_hooks = {
    .fault    = mm_fault,
    .readable = mm_report_readable,
};

/* Contract in capsule/boot.h. */
uint64_t capsule_mm_init_instret(void)
{
    return mm_init_instret;
}

/* Physical memory, the kernel table, and this hart on it. */
static void mm_start(void)
{
    uint64_t start = rdinstret();
    kinit();
    kvminit();
    mm_init_instret = rdinstret() - start;
    kvminithart();
}

/* Build the app's address space, switch to it and return its initial stack
 * pointer. */
static uint64_t app_space_start(void)
{
    pagetable_t pt = uvmmake(0);
    uint64_t sp = pt ? uvm_boot_image(pt) : 0;
    if (!sp)
        panic("boot: out of memory while mapping the app image");
    arch_write_satp(MAKE_SATP(virt_to_phys((uint64_t)pt)));
    arch_sfence_vma_all();
    return sp;
}

/* Contract in arch/boot.h. */
void capsule_main(uint64_t hartid, uint64_t dtb_pa)
{
    arch_early_init(hartid, dtb_pa);
    mm_start();
    arch_register_hooks(&mm_hooks);
    uint64_t sp = app_space_start();
    console_input_start();
    arch_interrupts_on();
    arch_enter_app(capsule_start, sp);
}
