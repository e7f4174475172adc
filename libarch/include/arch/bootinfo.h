/* What boot learned from the device tree: RAM, reserved ranges, devices and
 * bootargs.  Filled once by libarch's early boot; read-only after. */
#ifndef ARCH_BOOTINFO_H
#define ARCH_BOOTINFO_H

#include <stdint.h>

#define BOOT_MAX_REGIONS    16
#define BOOT_MAX_RESERVED   16
#define BOOT_ARGS_MAX       512
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
    struct mem_range mmio[BOOT_MAX_MMIO];           /* every device above that was found: the */
    int              nr_mmio;                       /* register windows the kernel table maps */
    uint64_t         timebase_hz;
    char             bootargs[BOOT_ARGS_MAX];
    /* Retired instructions (rdinstret) at the payload's entry: the firmware's
     * own boot, for benchmarks. */
    uint64_t         instret_at_entry;
};

/* The boot information; valid after early boot, never NULL. */
const struct boot_info *arch_boot_info(void);

#endif
