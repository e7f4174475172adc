/* Turning a device tree into struct boot_info: RAM, reserved ranges, the UART,
 * the exit test device, the PLIC, the timebase and the bootargs. */
#include <arch/bootinfo.h>
#include <arch/fdt.h>

#define REG_SHIFT_BYTES     4       /* "reg-shift" is one cell */
#define TIMEBASE32_BYTES    4       /* "timebase-frequency" is one or two cells */
#define TIMEBASE64_BYTES    8
#define IRQ_CELL_BYTES      4       /* "interrupts": one cell per source under the PLIC */

/* Append every reg entry of node (with a non-zero size) to ranges[*nr],
 * ignoring entries beyond max.  Returns 0 or -FDT_EINVAL. */
static int add_reg_ranges(const void *dtb, int node, struct mem_range *ranges, int *nr, int max)
{
    uint64_t addr, size;
    int rc, i;
    for (i = 0; (rc = fdt_read_reg(dtb, node, i, &addr, &size)) == 0; i++)
        if (size != 0 && *nr < max)
            ranges[(*nr)++] = (struct mem_range){ addr, size };
    return rc == -FDT_ENOENT ? 0 : rc;
}

/* Every node with device_type = "memory" into bi->ram. */
static int fill_ram(const void *dtb, struct boot_info *bi)
{
    int depth = 0, len, rc;
    int node = fdt_next_node(dtb, -1, &depth);
    bi->nr_ram = 0;
    for (; node >= 0; node = fdt_next_node(dtb, node, &depth)) {
        const void *type = fdt_get_prop(dtb, node, "device_type", &len);
        if (!type || !fdt_stringlist_contains(type, len, "memory"))
            continue;
        rc = add_reg_ranges(dtb, node, bi->ram, &bi->nr_ram, BOOT_MAX_REGIONS);
        if (rc < 0)
            return rc;
    }
    return node == -FDT_ENOENT ? 0 : node;
}

/* The memory reservation block, then every child of /reserved-memory that
 * has a reg, appended to bi->reserved. */
static int fill_reserved(const void *dtb, struct boot_info *bi)
{
    uint64_t addr, size;
    int rc, i, depth = 0;
    for (i = 0; (rc = fdt_get_mem_rsv(dtb, i, &addr, &size)) == 0; i++)
        if (size != 0 && bi->nr_reserved < BOOT_MAX_RESERVED)
            bi->reserved[bi->nr_reserved++] = (struct mem_range){ addr, size };
    if (rc != -FDT_ENOENT)
        return rc;
    int parent = fdt_find_node_by_path(dtb, "/reserved-memory");
    if (parent < 0)
        return parent == -FDT_ENOENT ? 0 : parent;
    int node = fdt_next_node(dtb, parent, &depth);
    for (; node >= 0 && depth > 0; node = fdt_next_node(dtb, node, &depth)) {
        if (depth != 1)
            continue;
        rc = add_reg_ranges(dtb, node, bi->reserved, &bi->nr_reserved, BOOT_MAX_RESERVED);
        if (rc < 0)
            return rc;
    }
    return node == -FDT_EINVAL ? node : 0;
}

/* The first node compatible with compat_a or compat_b (NULL: none), or a
 * negative error. */
static int find_either(const void *dtb, const char *compat_a, const char *compat_b)
{
    int depth = 0;
    int node = fdt_next_node(dtb, -1, &depth);
    for (; node >= 0; node = fdt_next_node(dtb, node, &depth))
        if (fdt_node_is_compatible(dtb, node, compat_a) ||
            (compat_b && fdt_node_is_compatible(dtb, node, compat_b)))
            return node;
    return node;
}

/* reg entry 0 of the first node compatible with compat_a or compat_b into
 * *pa and *size (left 0 when there is none), also added to bi's MMIO windows.
 * Returns the node or an error. */
static int find_device(const void *dtb, const char *compat_a, const char *compat_b,
                       struct boot_info *bi, uint64_t *pa, uint64_t *size)
{
    *pa = *size = 0;
    int node = find_either(dtb, compat_a, compat_b);
    if (node < 0)
        return node;
    int rc = fdt_read_reg(dtb, node, 0, pa, size);
    if (rc == 0 && *size && bi->nr_mmio < BOOT_MAX_MMIO)
        bi->mmio[bi->nr_mmio++] = (struct mem_range){ *pa, *size };
    return rc == 0 || rc == -FDT_ENOENT ? node : rc;
}

/* The first cell of node's "interrupts" (0 when absent). */
static int read_irq(const void *dtb, int node, uint32_t *irq)
{
    int len;
    const void *p = node >= 0 ? fdt_get_prop(dtb, node, "interrupts", &len) : NULL;
    *irq = 0;
    if (!p)
        return 0;
    if (len < IRQ_CELL_BYTES)
        return -FDT_EINVAL;
    *irq = fdt32(p);
    return 0;
}

/* The UART (and its interrupt), the exit test device, the PLIC and the RTC. */
static int fill_devices(const void *dtb, struct boot_info *bi)
{
    bi->nr_mmio = 0;
    int len, uart = find_device(dtb, "ns16550a", "ns16550", bi, &bi->uart_pa, &bi->uart_size);
    if (uart == -FDT_EINVAL)
        return uart;
    bi->uart_reg_shift = 0;
    const void *shift = uart >= 0 ? fdt_get_prop(dtb, uart, "reg-shift", &len) : NULL;
    if (shift && len != REG_SHIFT_BYTES)
        return -FDT_EINVAL;
    if (shift)
        bi->uart_reg_shift = fdt32(shift);
    if (read_irq(dtb, uart, &bi->uart_irq) < 0 ||
        find_device(dtb, "sifive,test1", "sifive,test0", bi, &bi->test_pa, &bi->test_size) == -FDT_EINVAL ||
        find_device(dtb, "riscv,plic0", "sifive,plic-1.0.0", bi, &bi->plic_pa, &bi->plic_size) == -FDT_EINVAL ||
        find_device(dtb, "google,goldfish-rtc", NULL, bi, &bi->rtc_pa, &bi->rtc_size) == -FDT_EINVAL)
        return -FDT_EINVAL;
    return 0;
}

/* /cpus timebase-frequency (one or two cells; 0 when absent). */
static int fill_timebase(const void *dtb, struct boot_info *bi)
{
    int len, cpus = fdt_find_node_by_path(dtb, "/cpus");
    bi->timebase_hz = 0;
    if (cpus < 0)
        return cpus == -FDT_ENOENT ? 0 : cpus;
    const void *val = fdt_get_prop(dtb, cpus, "timebase-frequency", &len);
    if (!val)
        return len == -FDT_ENOENT ? 0 : len;
    if (len == TIMEBASE32_BYTES)
        bi->timebase_hz = fdt32(val);
    else if (len == TIMEBASE64_BYTES)
        bi->timebase_hz = fdt64(val);
    else
        return -FDT_EINVAL;
    return 0;
}

/* /chosen bootargs, in place: the bytes up to the first NUL (or the
 * property's end), whole ("" when absent). */
static int fill_bootargs(const void *dtb, struct boot_info *bi)
{
    int len = 0, i, chosen = fdt_find_node_by_path(dtb, "/chosen");
    const char *args = NULL;
    bi->bootargs = "";
    bi->bootargs_len = 0;
    if (chosen == -FDT_EINVAL)
        return chosen;
    if (chosen >= 0)
        args = fdt_get_prop(dtb, chosen, "bootargs", &len);
    if (!args)
        return len == -FDT_EINVAL ? len : 0;
    for (i = 0; i < len && args[i] != '\0'; i++)
        ;
    bi->bootargs = args;
    bi->bootargs_len = (uint64_t)i;
    return 0;
}

/* One cell or two of property name of node into *value (left 0 when absent). */
static int read_cells(const void *dtb, int node, const char *name, uint64_t *value)
{
    int len;
    const void *p = fdt_get_prop(dtb, node, name, &len);
    *value = 0;
    if (!p)
        return len == -FDT_EINVAL ? len : 0;
    if (len == 4)
        *value = fdt32(p);
    else if (len == 8)
        *value = fdt64(p);
    else
        return -FDT_EINVAL;
    return 0;
}

/* /chosen linux,initrd-start and linux,initrd-end (QEMU -initrd, a boot
 * loader's initrd): the archive of the app's files; size 0 when absent. */
static int fill_initrd(const void *dtb, struct boot_info *bi)
{
    uint64_t start, end;
    int rc, chosen = fdt_find_node_by_path(dtb, "/chosen");
    bi->initrd = (struct mem_range){ 0, 0 };
    if (chosen < 0)
        return chosen == -FDT_ENOENT ? 0 : chosen;
    if ((rc = read_cells(dtb, chosen, "linux,initrd-start", &start)) < 0 ||
        (rc = read_cells(dtb, chosen, "linux,initrd-end", &end)) < 0)
        return rc;
    if (end > start)
        bi->initrd = (struct mem_range){ start, end - start };
    return 0;
}

/* See arch/fdt.h for the contract. */
int fdt_fill_boot_info(const void *dtb, struct boot_info *bi)
{
    int size = fdt_check(dtb, FDT_MAX_BYTES), rc;
    if (size < 0 || !bi || bi->nr_reserved < 0 || bi->nr_reserved > BOOT_MAX_RESERVED)
        return -FDT_EINVAL;
    bi->dtb_size = (uint64_t)size;
    if ((rc = fill_ram(dtb, bi)) < 0 || (rc = fill_reserved(dtb, bi)) < 0 ||
        (rc = fill_devices(dtb, bi)) < 0 || (rc = fill_timebase(dtb, bi)) < 0 ||
        (rc = fill_bootargs(dtb, bi)) < 0 || (rc = fill_initrd(dtb, bi)) < 0)
        return rc;
    return 0;
}
