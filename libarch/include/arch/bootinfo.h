/* What boot learned from the device tree: RAM, reserved ranges, devices and
 * bootargs.  Filled once by libarch's early boot; read-only after. */
#ifndef ARCH_BOOTINFO_H
#define ARCH_BOOTINFO_H

#include <stdint.h>

#define BOOT_MAX_REGIONS    16
#define BOOT_MAX_RESERVED   16
#define BOOT_MAX_MMIO       8

struct mem_range {
    uint64_t base;      /* physical address */
    uint64_t size;      /* bytes */
};

struct boot_info {
    uint64_t         hartid;
    uint64_t         dtb_pa, dtb_size;
    struct mem_range ram[BOOT_MAX_REGIONS];
    int              nr_ram;
    struct mem_range reserved[BOOT_MAX_RESERVED];   /* firmware, dtb, image, /reserved-memory */
    int              nr_reserved;
    uint64_t         uart_pa, uart_size;            /* 0 when none found */
    uint32_t         uart_reg_shift;
    uint64_t         test_pa, test_size;            /* sifive,test0 exit device; 0 when none */
    uint64_t         plic_pa, plic_size;
    uint32_t         uart_irq;                      /* the UART's PLIC source; 0 when unknown */
    uint64_t         rtc_pa, rtc_size;              /* google,goldfish-rtc (wall time); 0 when none */
    struct mem_range mmio[BOOT_MAX_MMIO];           /* every device above that was found: the */
    int              nr_mmio;                       /* register windows the kernel table maps */
    uint64_t         timebase_hz;
    /* The boot line, in place, whole however long: the boot-line blob of a
     * firmware image (below) when there is one, else /chosen/bootargs in the
     * device tree (both stay reserved); bootargs_len bytes (up to the first
     * NUL); "" when absent.  Not NUL-terminated at bootargs_len: use the length. */
    const char      *bootargs;
    uint64_t         bootargs_len;
    /* The archive of the app's files (files=DIR, docs/files.md): QEMU
     * -initrd's (/chosen linux,initrd-start and linux,initrd-end), or with a
     * firmware image the one the runner placed in it (BOOT_INITRD_* below).
     * Physical; reserved; size 0 when there is none. */
    struct mem_range initrd;
    /* Retired instructions (rdinstret) at the payload's entry: the firmware's
     * own boot, for benchmarks. */
    uint64_t         instret_at_entry;
};

/* boot=fw: QEMU has no -append with -bios alone, so the runner writes the
 * boot line into the firmware image's padding, 1 MiB below the payload
 * (above OpenSBI's own region, which ends far lower): a header
 * { BOOT_BLOB_MAGIC (16 bytes), uint64 length, uint64 ~length } and the
 * bytes.  Early boot looks there; in any other boot the RAM holds no magic. */
#define BOOT_BLOB_OFFSET    (1UL << 20)         /* below KERNEL_PHYS_BASE */
#define BOOT_BLOB_MAGIC     "CAPSULE-BOOTLINE"
#define BOOT_BLOB_MAX_BYTES (BOOT_BLOB_OFFSET - 32)

/* boot=fw with files=DIR: the runner places the archive in the firmware
 * image and describes it just below the boot line's blob: { BOOT_INITRD_MAGIC
 * (16 bytes), uint64 physical address, uint64 size, uint64 ~size }.  Read
 * once by early boot (the device tree's initrd wins when both exist). */
#define BOOT_INITRD_OFFSET  (BOOT_BLOB_OFFSET + 64)
#define BOOT_INITRD_MAGIC   "CAPSULE-INITRD\0\0"

/* The boot information; valid after early boot, never NULL. */
const struct boot_info *arch_boot_info(void);

#endif
