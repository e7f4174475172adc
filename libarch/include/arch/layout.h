/* Capsule's virtual and physical memory map: where the direct map, the libOS
 * image and the application live.  Shared by the linker script's users, boot
 * and libmm.
 *
 *   0x0000_0000_0000_0000  unmapped: the first 64 KiB are never mapped (NULL guard)
 *   0x0000_0000_0001_0000  app image: text RX, rodata R (shared), data+bss RW (private)
 *                          heap (brk) grows up
 *                          ...      mmap area grows down
 *                          main stack, guard page below it
 *   0x0000_003f_ffff_ffff  end of the low half: root entries 0..255, one address space
 *   0xffff_ffc0_0000_0000  direct map: VA = PA + DIRECT_MAP_OFFSET, RAM RW never X;
 *                          MMIO windows sit at the same offset, mapped per device
 *   0xffff_ffff_c000_0000  libOS image gigapage: VA = PA + KERNEL_OFFSET
 *   0xffff_ffff_c020_0000    libOS image (libarch, libmm, libc_glue), W^X per section
 *   root entries 256..511 are shared by every address space
 */
#ifndef ARCH_LAYOUT_H
#define ARCH_LAYOUT_H

#include <arch/mmu.h>

#define NULL_GUARD_END      U64(0x10000)               /* app VAs start here */
#define APP_BASE            NULL_GUARD_END
#define USER_END            SV39_LOW_END            /* first VA above the app's half */

#define RAM_BASE_DEFAULT    U64(0x80000000)            /* QEMU virt */
#define KERNEL_PHYS_BASE    U64(0x80200000)            /* where OpenSBI starts the payload */
#define KERNEL_VIRT_BASE    U64(0xffffffffc0200000)
#define KERNEL_OFFSET       (KERNEL_VIRT_BASE - KERNEL_PHYS_BASE)

#define DIRECT_MAP_BASE     SV39_HIGH_START
#define DIRECT_MAP_SIZE     (U64(0xffffffffc0000000) - DIRECT_MAP_BASE)  /* 255 GiB of PA */
#if defined(CAPSULE_HOST) && !defined(__ASSEMBLER__)
/* Host tests: "physical" memory is a host buffer; the support sets the offset. */
extern uint64_t host_direct_map_offset;
#define DIRECT_MAP_OFFSET   host_direct_map_offset
#else
#define DIRECT_MAP_OFFSET   DIRECT_MAP_BASE
#endif

#ifndef __ASSEMBLER__
/* Linker-script symbols: the libOS and app sections (virtual addresses). */
extern char __kernel_start[], __kernel_text_end[], __kernel_rodata_end[], __kernel_end[];
extern char __app_start[], __app_text_end[], __app_rodata_end[];
extern char __app_data_start[], __app_data_end[], __app_bss_start[], __app_end[];
extern char __app_load[];        /* where the app's text sits in the image, libOS VA */
extern char __app_data_load[];   /* where .data's initial contents sit, libOS VA */
extern char __kernel_data_end[], __kernel_bss_start[];
extern char boot_stack_bottom[], boot_stack_top[], trap_stack_bottom[], trap_stack_top[];
extern char __image_end[];       /* end of the loaded image, libOS VA */
#endif

#endif
