/* libarch's part of boot: the trap vector, boot information from the device
 * tree and the console (arch_early_init), and entering the app; the boot
 * sequence that calls them is the layer above's (capsule_main, arch/boot.h). */
#include <arch/boot.h>
#include <arch/bootinfo.h>
#include <arch/console.h>
#include <arch/csr.h>
#include <arch/exit.h>
#include <arch/fdt.h>
#include <arch/layout.h>
#include <arch/timer.h>
#include <arch/trap.h>

#include "arch_internal.h"

/* Written once here before the layer above starts; read-only afterwards. */
static struct boot_info boot_info;

const struct boot_info *arch_boot_info(void)
{
    return &boot_info;
}

static void add_reserved(uint64_t base, uint64_t size)
{
    if (boot_info.nr_reserved < BOOT_MAX_RESERVED)
        boot_info.reserved[boot_info.nr_reserved++] = (struct mem_range){ base, size };
    else
        panic("boot: too many reserved ranges");
}

/* boot=fw's boot line in the firmware image (arch/bootinfo.h), if there
 * is one: it replaces the tree's bootargs and stays reserved. */
static void find_boot_blob(void)
{
    const char *blob = arch_direct_map(KERNEL_PHYS_BASE - BOOT_BLOB_OFFSET);
    const uint64_t *lens = (const uint64_t *)(blob + 16);
    for (int i = 0; i < 16; i++)
        if (blob[i] != BOOT_BLOB_MAGIC[i])
            return;
    if (lens[0] != ~lens[1] || lens[0] > BOOT_BLOB_MAX_BYTES)
        return;
    boot_info.bootargs = blob + 32;
    boot_info.bootargs_len = lens[0];
    for (uint64_t i = 0; i < lens[0]; i++)
        if (boot_info.bootargs[i] == '\0')
            boot_info.bootargs_len = i;
    add_reserved(KERNEL_PHYS_BASE - BOOT_BLOB_OFFSET, PGROUNDUP(32 + lens[0]));
}

/* boot=fw's archive of the app's files (arch/bootinfo.h), when the device
 * tree names none. */
static void find_initrd_blob(void)
{
    const char *blob = arch_direct_map(KERNEL_PHYS_BASE - BOOT_INITRD_OFFSET);
    const uint64_t *words = (const uint64_t *)(blob + 16);
    for (int i = 0; i < 16; i++)
        if (blob[i] != BOOT_INITRD_MAGIC[i])
            return;
    if (words[1] != ~words[2] || words[1] == 0)
        return;
    boot_info.initrd = (struct mem_range){ words[0], words[1] };
}

/* The archive of the app's files stays where it was loaded: its pages
 * become the files' pages (docs/files.md). */
static void reserve_initrd(void)
{
    if (boot_info.initrd.size == 0)
        find_initrd_blob();
    uint64_t base = boot_info.initrd.base, size = boot_info.initrd.size;
    if (size)
        add_reserved(PGROUNDDOWN(base), PGROUNDUP(base + size) - PGROUNDDOWN(base));
}

/* Fill boot_info from the device tree, then reserve the image and the tree. */
static void bootinfo_init(uint64_t hartid, uint64_t dtb_pa)
{
    const void *dtb = (const void *)arch_direct_map(dtb_pa);
    int err = fdt_fill_boot_info(dtb, &boot_info);
    console_init();
    if (err < 0)
        panic("boot: the device tree at %p is not valid (%d)", (void *)dtb_pa, err);
    boot_info.hartid = hartid;
    boot_info.dtb_pa = dtb_pa;
    add_reserved(KERNEL_PHYS_BASE, (uint64_t)__image_end - KERNEL_VIRT_BASE);
    add_reserved(PGROUNDDOWN(dtb_pa), PGROUNDUP(dtb_pa + boot_info.dtb_size) - PGROUNDDOWN(dtb_pa));
    if (boot_info.nr_ram == 0)
        panic("boot: the device tree lists no memory");
    find_boot_blob();
    reserve_initrd();
}

/* Contract in arch/boot.h. */
void arch_enter_app(void (*entry)(uint64_t, uint64_t), uint64_t sp, uint64_t arg0, uint64_t arg1,
                    uint64_t kstack_top)
{
#ifdef CAPSULE_PRIV_USER
    /* A trap frame as if U-mode had trapped just before entry: sret goes
     * there with interrupts on and the FPU usable. */
    struct trapframe *tf = (struct trapframe *)(kstack_top - TF_SIZE);
    *tf = (struct trapframe){ .sepc = (uint64_t)entry,
                              .sstatus = SSTATUS_SPIE | SSTATUS_FS_INITIAL };
    tf->regs[0] = kstack_top;
    tf->regs[2] = sp;
    tf->regs[10] = arg0;
    tf->regs[11] = arg1;
    arch_return_to(tf);
#else
    (void)kstack_top;
    csr_set(sstatus, SSTATUS_FS_INITIAL);   /* the app may use the FPU */
    arch_call_on_stack(entry, arg0, arg1, sp);
#endif
}

/* Contract in arch/boot.h. */
void arch_finish_on_boot_stack(void (*fn)(uint64_t, uint64_t), uint64_t arg)
{
    arch_call_on_stack(fn, arg, 0, (uint64_t)boot_stack_top);
}

/* Contract in arch/boot.h. */
void arch_early_init(uint64_t hartid, uint64_t dtb_pa)
{
    uint64_t entry = rdinstret();
    trap_init();
    bootinfo_init(hartid, dtb_pa);
    boot_info.instret_at_entry = entry;
    timer_init();
}
