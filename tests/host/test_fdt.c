/* Host tests of the device-tree parser and fdt_fill_boot_info(), on trees
 * compiled from the .dts files in tests/host/data with dtc and on QEMU virt's own tree. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <arch/bootinfo.h>
#include <arch/fdt.h>

#define MiB                 (1ULL << 20)
#define QEMU_RAM_BYTES      (256 * MiB)
#define QEMU_BOOTARGS       "hello world"
#define FUZZ_ROUNDS         2000
#define FUZZ_SEED           0x5eed1234u
#define FUZZ_MAX_FLIPS      4
#define HDR_TOTALSIZE       4       /* header field byte offsets, as in the spec */
#define HDR_OFF_STRUCT      8
#define HDR_OFF_STRINGS     12
#define HDR_OFF_RSVMAP      16
#define HDR_VERSION         20
#define HDR_SIZE_STRUCT     36
#define FIELD_BYTES         4

/* A tree in a heap buffer of exactly its size, so ASan sees any overrun. */
struct blob {
    uint8_t *data;
    size_t   size;
};

/* ---------- loading trees ---------- */

static const char *src_root(void)
{
    const char *root = getenv("CAPSULE_SRC");
    return root && *root ? root : ".";
}

static char *temp_path(const char *suffix)
{
    const char *dir = getenv("TMPDIR");
    char *path = malloc(4096);
    assert_non_null(path);
    snprintf(path, 4096, "%s/capsule_fdt_XXXXXX%s", dir && *dir ? dir : "/tmp", suffix);
    int fd = mkstemps(path, (int)strlen(suffix));
    assert_true(fd >= 0);
    close(fd);
    return path;
}

static struct blob read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    assert_true(n > 0);
    struct blob b = { malloc((size_t)n), (size_t)n };
    assert_non_null(b.data);
    assert_int_equal(fread(b.data, 1, b.size, f), b.size);
    fclose(f);
    return b;
}

/* Compile tests/host/data/<name> with dtc and load the result. */
static struct blob load_dts(const char *name)
{
    char *out = temp_path(".dtb"), cmd[8192];
    snprintf(cmd, sizeof cmd, "dtc -q -I dts -O dtb -o '%s' '%s/tests/host/data/%s'",
             out, src_root(), name);
    int rc = system(cmd);
    if (rc != 0)
        fail_msg("dtc failed (%d): %s", rc, cmd);
    struct blob b = read_file(out);
    unlink(out);
    free(out);
    return b;
}

static struct blob copy_blob(struct blob b)
{
    struct blob c = { malloc(b.size), b.size };
    assert_non_null(c.data);
    memcpy(c.data, b.data, b.size);
    return c;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);  p[3] = (uint8_t)v;
}

/* fill boot info from b into a zeroed struct, returning the result. */
static int fill(struct blob b, struct boot_info *bi)
{
    memset(bi, 0, sizeof *bi);
    return fdt_fill_boot_info(b.data, bi);
}

/* ---------- the real thing ---------- */

static void qemu_virt_tree_is_parsed(void **state)
{
    (void)state;
    if (system("command -v qemu-system-riscv64 >/dev/null 2>&1") != 0)
        skip();
    char *kernel = temp_path(".bin"), *out = temp_path(".dtb"), cmd[8192];
    FILE *k = fopen(kernel, "wb");         /* -append needs some -kernel */
    assert_non_null(k);
    fputs("capsule", k);
    fclose(k);
    snprintf(cmd, sizeof cmd, "qemu-system-riscv64 -M virt,dumpdtb='%s' -m 256M -kernel '%s' "
             "-append '" QEMU_BOOTARGS "' -nographic </dev/null >/dev/null 2>&1", out, kernel);
    assert_int_equal(system(cmd), 0);
    struct blob file = read_file(out);   /* QEMU pads the file past totalsize */
    unlink(out); unlink(kernel); free(out); free(kernel);

    struct boot_info bi;
    int total = fdt_check(file.data, file.size);
    assert_true(total > 0 && (size_t)total <= file.size);
    assert_int_equal(fill(file, &bi), 0);
    assert_int_equal(bi.dtb_size, total);
    assert_int_equal(bi.nr_ram, 1);
    assert_int_equal(bi.ram[0].base, 0x80000000);
    assert_int_equal(bi.ram[0].size, QEMU_RAM_BYTES);
    assert_int_equal(bi.uart_pa, 0x10000000);
    assert_int_equal(bi.uart_size, 0x100);
    assert_int_equal(bi.uart_reg_shift, 0);
    assert_int_equal(bi.test_pa, 0x100000);
    assert_int_equal(bi.test_size, 0x1000);
    assert_int_equal(bi.plic_pa, 0xc000000);
    assert_int_equal(bi.uart_irq, 10);                  /* virt's UART0_IRQ */
    assert_int_equal(bi.rtc_pa, 0x101000);              /* the goldfish RTC: wall time */
    assert_int_equal(bi.timebase_hz, 10000000);
    assert_int_equal(bi.nr_reserved, 0);
    assert_string_equal(bi.bootargs, QEMU_BOOTARGS);
    assert_int_equal(fdt_find_node_by_path(file.data, "/soc/serial@10000000"),
                     fdt_find_compatible(file.data, -1, "ns16550a"));
    free(file.data);
}

static void handwritten_virt_tree_fills_every_field(void **state)
{
    (void)state;
    struct blob b = load_dts("virt.dts");
    struct boot_info bi;
    assert_int_equal(fill(b, &bi), 0);
    assert_int_equal(bi.dtb_size, b.size);
    assert_int_equal(bi.nr_ram, 1);
    assert_int_equal(bi.ram[0].base, 0x80000000);
    assert_int_equal(bi.ram[0].size, 128 * MiB);
    assert_int_equal(bi.nr_reserved, 1);
    assert_int_equal(bi.reserved[0].base, 0x80000000);
    assert_int_equal(bi.reserved[0].size, 0x40000);
    assert_int_equal(bi.uart_pa, 0x10000000);
    assert_int_equal(bi.uart_size, 0x100);
    assert_int_equal(bi.test_pa, 0x100000);
    assert_int_equal(bi.plic_pa, 0xc000000);
    assert_int_equal(bi.plic_size, 0x600000);
    assert_int_equal(bi.rtc_pa, 0x101000);
    assert_int_equal(bi.uart_irq, 0);                 /* this UART node names no interrupt */
    assert_int_equal(bi.nr_mmio, 4);                  /* UART, test device, PLIC, RTC: the windows kvmmake maps */
    assert_int_equal(bi.mmio[0].base, 0x10000000);
    assert_int_equal(bi.mmio[0].size, 0x100);
    assert_int_equal(bi.mmio[1].base, 0x100000);
    assert_int_equal(bi.mmio[2].base, 0xc000000);
    assert_int_equal(bi.mmio[2].size, 0x600000);
    assert_int_equal(bi.mmio[3].base, 0x101000);
    assert_int_equal(bi.timebase_hz, 10000000);
    assert_string_equal(bi.bootargs, "console=ttyS0 quiet");
    free(b.data);
}

/* ---------- the iteration API ---------- */

static void node_walk_reports_names_and_depths_in_document_order(void **state)
{
    (void)state;
    static const struct { int depth; const char *name; } want[] = {
        { 0, "" }, { 1, "chosen" }, { 1, "reserved-memory" }, { 2, "mmode_resv0@80000000" },
        { 1, "memory@80000000" }, { 1, "cpus" }, { 2, "cpu@0" }, { 1, "soc" },
        { 2, "rtc@101000" }, { 2, "serial@10000000" }, { 2, "test@100000" }, { 2, "plic@c000000" },
    };
    struct blob b = load_dts("virt.dts");
    int depth = 0, node = fdt_next_node(b.data, -1, &depth);
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        assert_true(node >= 0);
        assert_int_equal(depth, want[i].depth);
        assert_string_equal(fdt_node_name(b.data, node), want[i].name);
        node = fdt_next_node(b.data, node, &depth);
    }
    assert_int_equal(node, -FDT_ENOENT);
    free(b.data);
}

static void properties_are_listed_in_order_with_values(void **state)
{
    (void)state;
    struct blob b = load_dts("virt.dts");
    int chosen = fdt_find_node_by_path(b.data, "/chosen"), len;
    const char *name;
    int prop = fdt_first_prop(b.data, chosen);
    const char *val = fdt_prop_value(b.data, prop, &name, &len);
    assert_string_equal(name, "bootargs");
    assert_int_equal(len, sizeof "console=ttyS0 quiet");
    assert_string_equal(val, "console=ttyS0 quiet");
    prop = fdt_next_prop(b.data, prop);
    assert_non_null(fdt_prop_value(b.data, prop, &name, &len));
    assert_string_equal(name, "stdout-path");
    assert_int_equal(fdt_next_prop(b.data, prop), -FDT_ENOENT);
    assert_null(fdt_get_prop(b.data, chosen, "no-such-property", &len));
    assert_int_equal(len, -FDT_ENOENT);
    free(b.data);
}

static void paths_match_with_or_without_unit_address(void **state)
{
    (void)state;
    struct blob b = load_dts("virt.dts");
    int serial = fdt_find_node_by_path(b.data, "/soc/serial@10000000");
    assert_true(serial > 0);
    assert_int_equal(fdt_find_node_by_path(b.data, "/soc/serial"), serial);
    assert_int_equal(fdt_find_node_by_path(b.data, "/soc//serial@10000000/"), serial);
    assert_int_equal(fdt_find_node_by_path(b.data, "/"), fdt_next_node(b.data, -1, &(int){ 0 }));
    assert_int_equal(fdt_find_node_by_path(b.data, "/soc/serial@10000001"), -FDT_ENOENT);
    assert_int_equal(fdt_find_node_by_path(b.data, "/serial@10000000"), -FDT_ENOENT);
    assert_int_equal(fdt_find_node_by_path(b.data, "/so"), -FDT_ENOENT);
    assert_int_equal(fdt_find_node_by_path(b.data, "soc"), -FDT_EINVAL);
    assert_int_equal(fdt_parent(b.data, serial), fdt_find_node_by_path(b.data, "/soc"));
    free(b.data);
}

static void compatible_matches_any_whole_string_of_the_list(void **state)
{
    (void)state;
    struct blob b = load_dts("virt.dts");
    int test = fdt_find_node_by_path(b.data, "/soc/test@100000");
    assert_int_equal(fdt_find_compatible(b.data, -1, "sifive,test1"), test);
    assert_int_equal(fdt_find_compatible(b.data, -1, "sifive,test0"), test);
    assert_int_equal(fdt_find_compatible(b.data, -1, "syscon"), test);
    assert_int_equal(fdt_find_compatible(b.data, -1, "sifive"), -FDT_ENOENT);
    assert_int_equal(fdt_find_compatible(b.data, -1, "sifive,test"), -FDT_ENOENT);
    assert_int_equal(fdt_find_compatible(b.data, test, "syscon"), -FDT_ENOENT);
    int rtc = fdt_find_node_by_path(b.data, "/soc/rtc@101000");
    assert_int_equal(fdt_find_compatible(b.data, rtc, "sifive,test0"), test);
    free(b.data);
}

static void reg_uses_parent_cells_one_one_and_root_defaults(void **state)
{
    (void)state;
    struct blob b = load_dts("board32.dts");
    uint64_t addr, size;
    int serial = fdt_find_node_by_path(b.data, "/soc/serial@10013000");
    assert_int_equal(fdt_read_reg(b.data, serial, 0, &addr, &size), 0);
    assert_int_equal(addr, 0x10013000);
    assert_int_equal(size, 0x1000);
    assert_int_equal(fdt_read_reg(b.data, serial, 1, &addr, &size), -FDT_ENOENT);
    int test = fdt_find_node_by_path(b.data, "/soc/test@4000");
    assert_int_equal(fdt_read_reg(b.data, test, 1, &addr, &size), 0);
    assert_int_equal(addr, 0x5000);
    assert_int_equal(size, 0x10);
    /* The root has no #address-cells/#size-cells: 2 and 1 apply. */
    int mem = fdt_find_node_by_path(b.data, "/memory");
    assert_int_equal(fdt_read_reg(b.data, mem, 0, &addr, &size), 0);
    assert_int_equal(addr, 0x80000000);
    assert_int_equal(size, 512 * MiB);
    free(b.data);
}

/* ---------- fdt_fill_boot_info scenarios ---------- */

static void alternate_compatibles_reg_shift_and_64bit_timebase(void **state)
{
    (void)state;
    struct blob b = load_dts("board32.dts");
    struct boot_info bi;
    assert_int_equal(fill(b, &bi), 0);
    assert_int_equal(bi.uart_pa, 0x10013000);
    assert_int_equal(bi.uart_reg_shift, 2);
    assert_int_equal(bi.test_pa, 0x4000);
    assert_int_equal(bi.test_size, 0x1000);
    assert_int_equal(bi.plic_pa, 0xc000000);
    assert_int_equal(bi.plic_size, 0x4000000);
    assert_int_equal(bi.timebase_hz, 1ULL << 32);
    assert_string_equal(bi.bootargs, "");
    free(b.data);
}

static void every_memory_node_and_reg_entry_becomes_ram(void **state)
{
    (void)state;
    struct blob b = load_dts("multi_mem.dts");
    struct boot_info bi;
    assert_int_equal(fill(b, &bi), 0);
    assert_int_equal(bi.nr_ram, 4);
    assert_int_equal(bi.ram[0].base, 0x80000000);
    assert_int_equal(bi.ram[0].size, 256 * MiB);
    assert_int_equal(bi.ram[1].base, 0xa0000000);
    assert_int_equal(bi.ram[1].size, 512 * MiB);
    assert_int_equal(bi.ram[2].base, 0x100000000);
    assert_int_equal(bi.ram[2].size, 0x100000000);
    assert_int_equal(bi.ram[3].base, 0x200000000);
    assert_int_equal(bi.ram[3].size, 4 * MiB);
    assert_int_equal(bi.uart_pa, 0);        /* no devices: all zero */
    assert_int_equal(bi.nr_mmio, 0);        /* and no windows to map */
    assert_int_equal(bi.test_pa, 0);
    assert_int_equal(bi.timebase_hz, 0);
    free(b.data);
}

static void reservation_block_and_reserved_memory_children_are_appended(void **state)
{
    (void)state;
    struct blob b = load_dts("reserved.dts");
    struct boot_info bi;
    memset(&bi, 0, sizeof bi);
    bi.reserved[0] = (struct mem_range){ 0x80200000, 0x100000 };   /* the caller's image */
    bi.nr_reserved = 1;
    bi.hartid = 3;
    assert_int_equal(fdt_fill_boot_info(b.data, &bi), 0);
    static const struct mem_range want[] = {
        { 0x80200000, 0x100000 },
        { 0x80000000, 0x200000 }, { 0x88000000, 0x1000 },                   /* /memreserve/ */
        { 0x80000000, 0x40000 }, { 0x80040000, 0x20000 }, { 0x80060000, 0x1000 },
    };
    assert_int_equal(bi.nr_reserved, sizeof want / sizeof want[0]);
    for (int i = 0; i < bi.nr_reserved; i++) {
        assert_int_equal(bi.reserved[i].base, want[i].base);
        assert_int_equal(bi.reserved[i].size, want[i].size);
    }
    assert_int_equal(bi.hartid, 3);
    assert_int_equal(bi.nr_ram, 1);
    free(b.data);
}

static void excess_regions_are_dropped_not_overflowed(void **state)
{
    (void)state;
    struct blob b = load_dts("caps.dts");
    struct boot_info bi;
    assert_int_equal(fill(b, &bi), 0);
    assert_int_equal(bi.nr_ram, BOOT_MAX_REGIONS);
    assert_int_equal(bi.ram[BOOT_MAX_REGIONS - 1].base, 0x80000000 + 15 * 0x1000000ULL);
    assert_int_equal(bi.nr_reserved, BOOT_MAX_RESERVED);
    assert_int_equal(bi.reserved[9].base, 0x90090000);     /* last /memreserve/ */
    assert_int_equal(bi.reserved[15].base, 0xa0050000);    /* sixth child */
    assert_int_equal(bi.uart_pa, 0x10000000);               /* the fields after survive */
    assert_int_equal(bi.uart_size, 0x100);
    free(b.data);
}

static void long_bootargs_arrive_whole(void **state)
{
    (void)state;
    struct blob b = load_dts("long_bootargs.dts");
    struct boot_info bi;
    int len, chosen = fdt_find_node_by_path(b.data, "/chosen");
    const char *full = fdt_get_prop(b.data, chosen, "bootargs", &len);
    assert_true(len > 512);                 /* longer than the old fixed copy */
    assert_int_equal(fill(b, &bi), 0);
    assert_int_equal(bi.bootargs_len, (uint64_t)len - 1);
    assert_memory_equal(bi.bootargs, full, (size_t)len - 1);
    free(b.data);
}

static void missing_chosen_gives_empty_bootargs(void **state)
{
    (void)state;
    struct blob b = load_dts("no_chosen.dts");
    struct boot_info bi;
    memset(&bi, 'x', sizeof bi);            /* stale contents must not show through */
    bi.nr_reserved = 0;
    assert_int_equal(fdt_fill_boot_info(b.data, &bi), 0);
    assert_string_equal(bi.bootargs, "");
    assert_int_equal(bi.nr_ram, 1);
    assert_int_equal(bi.timebase_hz, 0);
    assert_int_equal(bi.uart_pa, 0);
    free(b.data);
}

/* ---------- malformed trees ---------- */

static void bad_magic_is_rejected(void **state)
{
    (void)state;
    struct blob b = load_dts("virt.dts");
    struct boot_info bi;
    b.data[0] ^= 0xff;
    assert_int_equal(fdt_check(b.data, b.size), -FDT_EINVAL);
    assert_int_equal(fill(b, &bi), -FDT_EINVAL);
    assert_int_equal(fdt_find_node_by_path(b.data, "/"), -FDT_EINVAL);
    free(b.data);
}

static void unsupported_version_is_rejected(void **state)
{
    (void)state;
    struct blob b = load_dts("virt.dts");
    struct boot_info bi;
    put32(b.data + HDR_VERSION, 16);
    assert_int_equal(fdt_check(b.data, b.size), -FDT_EINVAL);
    assert_int_equal(fill(b, &bi), -FDT_EINVAL);
    free(b.data);
}

static void truncated_blob_is_rejected_without_overread(void **state)
{
    (void)state;
    struct blob b = load_dts("virt.dts");
    struct boot_info bi;
    assert_int_equal(fdt_check(b.data, b.size), (int)b.size);
    assert_int_equal(fdt_check(b.data, b.size - 1), -FDT_EINVAL);
    uint8_t *tiny = malloc(3);              /* shorter than the header */
    memcpy(tiny, b.data, 3);
    assert_int_equal(fdt_check(tiny, 3), -FDT_EINVAL);
    free(tiny);
    /* A header that claims only half the tree: the strings block now lies
     * outside it, and nothing past the (exactly sized) copy is read. */
    struct blob half = { malloc(b.size / 2), b.size / 2 };
    memcpy(half.data, b.data, half.size);
    put32(half.data + HDR_TOTALSIZE, (uint32_t)half.size);
    assert_int_equal(fdt_check(half.data, half.size), -FDT_EINVAL);
    assert_int_equal(fill(half, &bi), -FDT_EINVAL);
    free(half.data);
    free(b.data);
}

static void block_offsets_outside_the_tree_are_rejected(void **state)
{
    (void)state;
    static const struct { int field; uint32_t value; } cases[] = {
        { HDR_OFF_STRINGS, 0x7ffffff0 },
        { HDR_OFF_STRUCT, 0xfffffff0 },     /* wraps in 32 bits with the size */
        { HDR_SIZE_STRUCT, 0x100000 },
        { HDR_OFF_RSVMAP, 0xffffffe8 },
        { HDR_OFF_STRUCT, 2 },              /* misaligned, inside the header */
        { HDR_TOTALSIZE, FDT_MAX_BYTES + 1 },
    };
    struct blob b = load_dts("virt.dts");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct blob c = copy_blob(b);
        struct boot_info bi;
        put32(c.data + cases[i].field, cases[i].value);
        assert_int_equal(fdt_check(c.data, c.size), -FDT_EINVAL);
        assert_int_equal(fill(c, &bi), -FDT_EINVAL);
        free(c.data);
    }
    free(b.data);
}

static void property_length_past_the_structure_block_is_rejected(void **state)
{
    (void)state;
    struct blob b = load_dts("virt.dts");
    struct boot_info bi;
    int len, chosen = fdt_find_node_by_path(b.data, "/chosen");
    uint8_t *len_field = (uint8_t *)fdt_get_prop(b.data, chosen, "bootargs", &len) - 2 * FIELD_BYTES;
    static const uint32_t bad_lens[] = { 0x7fffffff, 0xfffffff0 /* wraps a 32-bit offset */ };
    for (size_t i = 0; i < sizeof bad_lens / sizeof bad_lens[0]; i++) {
        put32(len_field, bad_lens[i]);
        assert_null(fdt_get_prop(b.data, chosen, "bootargs", &len));
        assert_int_equal(len, -FDT_EINVAL);
        assert_int_equal(fill(b, &bi), -FDT_EINVAL);
    }
    free(b.data);
}

/* Every node and property of a (possibly corrupt) tree, through the API. */
static void walk_everything(const void *dtb)
{
    int depth = 0;
    for (int n = fdt_next_node(dtb, -1, &depth); n >= 0; n = fdt_next_node(dtb, n, &depth)) {
        uint64_t addr, size;
        (void)fdt_node_name(dtb, n);
        (void)fdt_read_reg(dtb, n, 0, &addr, &size);
        for (int p = fdt_first_prop(dtb, n); p >= 0; p = fdt_next_prop(dtb, p))
            (void)fdt_prop_value(dtb, p, NULL, NULL);
    }
}

static uint32_t xorshift32(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

/* Flip 1..FUZZ_MAX_FLIPS random bytes of a valid tree, FUZZ_ROUNDS times.
 * The totalsize field is left alone: at boot nothing else bounds the tree,
 * so the parser must trust it (its corruption is tested above). */
static void random_byte_flips_never_crash(void **state)
{
    (void)state;
    struct blob b = load_dts("virt.dts");
    uint32_t seed = FUZZ_SEED;
    int ok = 0, rejected = 0;
    for (int round = 0; round < FUZZ_ROUNDS; round++) {
        struct blob c = copy_blob(b);
        int flips = 1 + (int)(xorshift32(&seed) % FUZZ_MAX_FLIPS);
        for (int i = 0; i < flips; i++) {
            size_t at = xorshift32(&seed) % c.size;
            if (at >= HDR_TOTALSIZE && at < HDR_TOTALSIZE + FIELD_BYTES)
                continue;
            c.data[at] ^= (uint8_t)(1 + xorshift32(&seed) % 255);
        }
        struct boot_info bi;
        int rc = fill(c, &bi);
        assert_true(rc == 0 || rc == -FDT_EINVAL);
        rc == 0 ? ok++ : rejected++;
        if (rc == 0)
            assert_true(bi.nr_ram <= BOOT_MAX_REGIONS && bi.bootargs_len <= c.size);
        walk_everything(c.data);
        free(c.data);
    }
    print_message("fuzz: %d accepted, %d rejected\n", ok, rejected);
    assert_true(ok > 0 && rejected > 0);
    free(b.data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(qemu_virt_tree_is_parsed),
        cmocka_unit_test(handwritten_virt_tree_fills_every_field),
        cmocka_unit_test(node_walk_reports_names_and_depths_in_document_order),
        cmocka_unit_test(properties_are_listed_in_order_with_values),
        cmocka_unit_test(paths_match_with_or_without_unit_address),
        cmocka_unit_test(compatible_matches_any_whole_string_of_the_list),
        cmocka_unit_test(reg_uses_parent_cells_one_one_and_root_defaults),
        cmocka_unit_test(alternate_compatibles_reg_shift_and_64bit_timebase),
        cmocka_unit_test(every_memory_node_and_reg_entry_becomes_ram),
        cmocka_unit_test(reservation_block_and_reserved_memory_children_are_appended),
        cmocka_unit_test(excess_regions_are_dropped_not_overflowed),
        cmocka_unit_test(long_bootargs_arrive_whole),
        cmocka_unit_test(missing_chosen_gives_empty_bootargs),
        cmocka_unit_test(bad_magic_is_rejected),
        cmocka_unit_test(unsupported_version_is_rejected),
        cmocka_unit_test(truncated_blob_is_rejected_without_overread),
        cmocka_unit_test(block_offsets_outside_the_tree_are_rejected),
        cmocka_unit_test(property_length_past_the_structure_block_is_rejected),
        cmocka_unit_test(random_byte_flips_never_crash),
    };
    return cmocka_run_group_tests_name("fdt", tests, NULL, NULL);
}
