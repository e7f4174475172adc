/* The kernel page table: the direct map of RAM, the libOS image mapped W^X
 * and the MMIO windows the boot information lists -- the high half every
 * address space shares. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <arch/bootinfo.h>
#include <arch/console.h>
#include <arch/layout.h>
#include <arch/mmu.h>
#include <mm/errno.h>
#include <mm/kvm.h>
#include <mm/page.h>
#include <mm/vm.h>

#include "vm_internal.h"

/* Written once by kvminit() on the boot hart before any other hart or
 * address space uses it; read-only afterwards. */
static pagetable_t kernel_pt;

/* Where the MMU sees pa in the direct map.  On the target this is exactly
 * phys_to_virt(pa); on the host phys_to_virt() gives the host address of the
 * simulated RAM instead, which is not an Sv39 address. */
#ifndef CAPSULE_HOST
_Static_assert(DIRECT_MAP_OFFSET == DIRECT_MAP_BASE, "the direct map is phys_to_virt()");
#endif
static uint64 direct_map_va(uint64 pa)
{
    return pa + DIRECT_MAP_BASE;
}

/* Physical address of an address inside the libOS image. */
static uint64 image_va_to_pa(const char *va)
{
#ifdef CAPSULE_HOST
    return host_image_va_to_pa((uint64)va);
#else
    return (uint64)va - KERNEL_OFFSET;
#endif
}

/* Map the usable part of every RAM region RW (never X) in the direct map;
 * mappages picks 1 GiB and 2 MiB leaves where alignment allows.  RAM beyond
 * what the direct map can hold is left out, with a message. */
static int map_ram(pagetable_t root, const struct boot_info *bi)
{
    for (int i = 0; i < bi->nr_ram; i++) {
        uint64 start = PGROUNDUP(bi->ram[i].base);
        uint64 end = PGROUNDDOWN(bi->ram[i].base + bi->ram[i].size);

        if (end > DIRECT_MAP_SIZE) {
            kprintf("kvmmake: RAM above 0x%lx is not direct-mapped\n", DIRECT_MAP_SIZE);
            end = DIRECT_MAP_SIZE;
        }
        if (start >= end)
            continue;
        int err = mappages(root, direct_map_va(start), start, end - start, PTE_RW | PTE_G);
        if (err)
            return err;
    }
    return 0;
}

/* Map the image's sections at their link addresses, W^X.  Besides the libOS
 * text (RX), rodata (R), data and bss (RW), the image holds the app's load
 * image (its text, rodata and data's initial contents) between the libOS data
 * and bss: the app maps those frames itself, the libOS only reads them, so
 * here they are R -- no frame gets a writable alias of executable code.  The
 * linker script page-aligns every boundary (an unaligned one is -MM_EINVAL). */
static int map_image(pagetable_t root)
{
    static const struct { const char *start, *end; uint64 perm; } sect[] = {
        { __kernel_start,      __kernel_text_end,   PTE_RX },
        { __kernel_text_end,   __kernel_rodata_end, PTE_RONLY },
        { __kernel_rodata_end, __kernel_data_end,   PTE_RW },
        { __kernel_data_end,   __kernel_bss_start,  PTE_RONLY },
        { __kernel_bss_start,  __kernel_end,        PTE_RW },
    };

    for (size_t i = 0; i < sizeof sect / sizeof sect[0]; i++) {
        uint64 pa = image_va_to_pa(sect[i].start);
        uint64 len = image_va_to_pa(sect[i].end) - pa;

        if (len == 0)
            continue;
        int err = mappages(root, pa + KERNEL_OFFSET, pa, len, sect[i].perm | PTE_G);
        if (err)
            return err;
    }
    return 0;
}

/* Map a device's registers RW in the direct map; size 0 means no device.
 * Pages another device already mapped (a shared page) are kept. */
static int map_mmio(pagetable_t root, uint64 pa, uint64 size)
{
    if (size == 0)
        return 0;
    uint64 start = PGROUNDDOWN(pa), end = PGROUNDUP(pa + size);
    int err = mappages(root, direct_map_va(start), start, end - start, PTE_RW | PTE_G);

    if (err != -MM_EEXIST)
        return err;
    for (uint64 p = start; p < end; p += PAGE_SIZE) {
        if (walk(root, direct_map_va(p), 0))
            continue;
        err = mappages(root, direct_map_va(p), p, PAGE_SIZE, PTE_RW | PTE_G);
        if (err)
            return err;
    }
    return 0;
}

/* Unmap the whole high half of a partly built root (frames are not freed)
 * and free its table pages. */
static void kvm_discard(pagetable_t root)
{
    (void)vm_unmap(root, SV39_HIGH_START, (0 - SV39_HIGH_START) >> PAGE_SHIFT, 0);
    freewalk(root, SV39_ROOT_LEVEL);
}

/* Contract in mm/kvm.h.  Returns a fresh root, or NULL (after releasing what
 * it took) when memory runs out or the boot information or image layout
 * cannot be mapped.  The app's low half is left empty. */
pagetable_t kvmmake(void)
{
    const struct boot_info *bi = arch_boot_info();
    pagetable_t root = page_zalloc(0);

    if (!root)
        return NULL;
    int err = map_ram(root, bi);
    if (err == 0)
        err = map_image(root);
    for (int i = 0; err == 0 && i < bi->nr_mmio; i++)
        err = map_mmio(root, bi->mmio[i].base, bi->mmio[i].size);
    if (err) {
        kprintf("kvmmake: cannot build the kernel page table: error %d\n", err);
        kvm_discard(root);
        return NULL;
    }
    return root;
}

/* Contract in mm/kvm.h.  Called once at boot, after kinit(); each call builds
 * a new table.  Running out of memory this early is fatal. */
void kvminit(void)
{
    kernel_pt = kvmmake();
    if (!kernel_pt)
        panic("kvminit: cannot build the kernel page table");
}

/* Contract in mm/kvm.h. */
void kvminithart(void)
{
    arch_write_satp(MAKE_SATP(virt_to_phys((uint64)kernel_pt)));
    vm_flush_all();
}

/* Contract in mm/kvm.h.  NULL before kvminit(). */
pagetable_t kernel_pagetable(void)
{
    return kernel_pt;
}
