/* Capsule's image layout: the libOS (libarch, libmm, libc_glue) in the high
 * half, the application (app objects, newlib, libgcc) in the low half, both in
 * one physical image that starts at KERNEL_PHYS_BASE, where OpenSBI jumps.
 *
 * This file is run through the C preprocessor (as Linux's vmlinux.lds.S) into
 * build/<mode>/libarch/capsule.ld: every address comes from arch/layout.h
 * (the memory map is drawn there), so the script and C share one set.
 *
 *   physical (LMA)                VMA                           after boot
 *   KERNEL_PHYS_BASE  libOS text  KERNEL_VIRT_BASE              RX   (header first)
 *                     libOS rodata                              R
 *                     libOS data                                RW
 *   APP_PHYS          app text    APP_BASE (after the NULL      RX   mapped in place
 *                                 guard)
 *                     app rodata                                R    mapped in place
 *                     app data    (initial contents)            RW   copied to fresh pages at boot
 *                     libOS bss   (high)                        RW   not in the .bin
 *   app bss: only virtual; boot gives it fresh zeroed pages.
 *
 * QEMU loads ELF segments at their LMAs and starts at the ELF entry, so the
 * entry is the physical address of _start.  See docs/boot.md. */
#include <arch/layout.h>

/* The libOS's input files: its three archives, or in priv=user the one
 * object they are linked into with the libOS's own copies of the newlib and
 * libgcc routines it uses (the app's copies are user pages: S-mode cannot
 * run them).  See docs/boot.md. */
#ifdef CAPSULE_PRIV_USER
#define LIBOS_SECTIONS(s)   *libos.o(s)
#define NOT_LIBOS           EXCLUDE_FILE(*libos.o)
#else
#define LIBOS_SECTIONS(s)   *libarch.a:*(s) *libmm.a:*(s) *libc_glue.a:*(s)
#define NOT_LIBOS           EXCLUDE_FILE(*libarch.a:* *libmm.a:* *libc_glue.a:*)
#endif

OUTPUT_ARCH(riscv)

EXTERN(_start)
ENTRY(_start_phys)

SECTIONS
{
    . = KERNEL_VIRT_BASE;
    __kernel_start = .;
    .kernel.text : AT(ADDR(.kernel.text) - KERNEL_OFFSET) {
        KEEP(*(.text.boot))
        LIBOS_SECTIONS(.text .text.*)
    }
    . = ALIGN(PAGE_SIZE);
    __kernel_text_end = .;

    .kernel.rodata : AT(ADDR(.kernel.rodata) - KERNEL_OFFSET) {
        LIBOS_SECTIONS(.rodata .rodata.* .srodata .srodata.*)
    }
    . = ALIGN(PAGE_SIZE);
    __kernel_rodata_end = .;

    .kernel.data : AT(ADDR(.kernel.data) - KERNEL_OFFSET) {
        LIBOS_SECTIONS(.data .data.* .sdata .sdata.*)
    }
    . = ALIGN(PAGE_SIZE);
    __kernel_data_end = .;
    APP_PHYS = __kernel_data_end - KERNEL_OFFSET;
    APP_LOAD_OFFSET = APP_PHYS - APP_BASE;

    /* ---- the application: low half ---- */
    . = APP_BASE;
    __app_start = .;
    .text : AT(ADDR(.text) + APP_LOAD_OFFSET) {
        *(.text.unlikely .text.unlikely.*)
        *(.text.startup .text.startup.*)
        *(.text .text.*)
    }
    . = ALIGN(PAGE_SIZE);
    __app_text_end = .;

    .rodata : AT(ADDR(.rodata) + APP_LOAD_OFFSET) {
        *(.rodata .rodata.* .srodata .srodata.*)
        . = ALIGN(8);
        PROVIDE_HIDDEN(__preinit_array_start = .);
        KEEP(*(.preinit_array))
        PROVIDE_HIDDEN(__preinit_array_end = .);
        PROVIDE_HIDDEN(__init_array_start = .);
        KEEP(*(SORT_BY_INIT_PRIORITY(.init_array.*)))
        KEEP(*(.init_array .ctors))
        PROVIDE_HIDDEN(__init_array_end = .);
        PROVIDE_HIDDEN(__fini_array_start = .);
        KEEP(*(SORT_BY_INIT_PRIORITY(.fini_array.*)))
        KEEP(*(.fini_array .dtors))
        PROVIDE_HIDDEN(__fini_array_end = .);
        *(.eh_frame .eh_frame_hdr .gcc_except_table)
    }
    . = ALIGN(PAGE_SIZE);
    __app_rodata_end = .;

    __app_data_start = .;
    .data : AT(ADDR(.data) + APP_LOAD_OFFSET) {
        NOT_LIBOS *(.data .data.* .sdata .sdata.* .tdata .tdata.*)
    }
    . = ALIGN(PAGE_SIZE);
    __app_data_end = .;

    __app_bss_start = .;
    .bss (NOLOAD) : {
        NOT_LIBOS *(.sbss .sbss.* .bss .bss.* .tbss .tbss.* COMMON)
    }
    . = ALIGN(PAGE_SIZE);
    __app_end = .;

    /* libOS VAs of the app's load image (text+rodata in place, data's initial contents). */
    __app_load = APP_PHYS + KERNEL_OFFSET;
    __app_data_load = __app_data_start + APP_LOAD_OFFSET + KERNEL_OFFSET;

    /* ---- libOS bss: after the app's load image, outside the .bin ---- */
    . = __app_data_end + APP_LOAD_OFFSET + KERNEL_OFFSET;
    __kernel_bss_start = .;
    .kernel.bss (NOLOAD) : AT(ADDR(.kernel.bss) - KERNEL_OFFSET) {
        LIBOS_SECTIONS(.sbss .sbss.* .bss .bss.* COMMON)
    }
    . = ALIGN(PAGE_SIZE);
    __kernel_end = .;
    __image_end = .;
    __image_size = __image_end - __kernel_start;
    _start_phys = _start - KERNEL_OFFSET;
#ifdef CAPSULE_PRIV_USER
    /* The app's newlib state, for the libOS's reads of its signal
     * dispositions (libc_glue/signal.c): libos.o is linked apart. */
    capsule_app_impure_ptr = _impure_ptr;
#endif

    /DISCARD/ : { *(.comment) *(.note .note.*) }

    ASSERT(_start == KERNEL_VIRT_BASE, "_start must be the first byte of the image (the Image header)")
    ASSERT(__app_start == APP_BASE, "the app must start right after the 64 KiB NULL guard")
    ASSERT(__app_end <= GIGAPAGE_SIZE, "the app image must stay below 1 GiB (medany reach to the libOS)")
    ASSERT(__image_end - KERNEL_VIRT_BASE <= GIGAPAGE_SIZE - KERNEL_VIRT_BASE % GIGAPAGE_SIZE,
           "the image must fit its 1 GiB boot mapping")
    ASSERT(early_pagetable >= __kernel_bss_start, "libOS bss must not land in the app's bss")
    ASSERT((APP_PHYS % PAGE_SIZE) == 0, "the app's load address must be page-aligned")
}
