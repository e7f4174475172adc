/* A read-only flattened device tree (DTB) parser: header checks, node and
 * property iteration, path and compatible lookup, and reg decoding.
 *
 * Freestanding and allocation-free.  Nodes and properties are named by their
 * byte offset inside the blob (int); a negative value is an error or "none".
 * Every function re-derives the block bounds from the header and checks every
 * read against them, so no call reads outside [dtb, dtb + totalsize) even on
 * a corrupt tree; the caller only guarantees that totalsize bytes are readable
 * (fdt_check() with the real buffer size proves it).
 *
 * Errors: -FDT_EINVAL (-22) for a malformed tree or argument, -FDT_ENOENT (-2)
 * when the thing asked for does not exist.  The values are libmm's
 * (mm/errno.h) so callers can pass them on unchanged. */
#ifndef ARCH_FDT_H
#define ARCH_FDT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FDT_MAGIC           0xd00dfeedU
#define FDT_VERSION         17      /* the header layout this parser reads */
#define FDT_HEADER_BYTES    40      /* ten big-endian 32-bit fields */
#define FDT_MAX_BYTES       (2U << 20)  /* largest tree fdt_fill_boot_info() trusts */

/* Structure-block tokens (Devicetree Specification, 5.4.1). */
#define FDT_BEGIN_NODE      1
#define FDT_END_NODE        2
#define FDT_PROP            3
#define FDT_NOP             4
#define FDT_END             9

/* Defaults when a parent node has no #address-cells / #size-cells. */
#define FDT_DEFAULT_ADDR_CELLS  2
#define FDT_DEFAULT_SIZE_CELLS  1

#define FDT_ENOENT          2
#define FDT_EINVAL          22

/* Big-endian 32-bit value at p (no alignment needed). */
static inline uint32_t fdt32(const void *p)
{
    const uint8_t *b = p;
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/* Big-endian 64-bit value at p (no alignment needed). */
static inline uint64_t fdt64(const void *p)
{
    const uint8_t *b = p;
    return (uint64_t)fdt32(b) << 32 | fdt32(b + 4);
}

/* Check the header of the tree at dtb, of which max_size bytes are readable:
 * magic, version (17, or later but compatible), and that totalsize fits in
 * max_size and every block (reservation map, structure, strings) lies inside
 * totalsize.  Returns totalsize, or -FDT_EINVAL. */
int fdt_check(const void *dtb, uint64_t max_size);

/* Entry index of the memory reservation block: 0 with *addr and *size set,
 * -FDT_ENOENT at the terminating entry, -FDT_EINVAL if the map runs off the
 * end of the tree. */
int fdt_get_mem_rsv(const void *dtb, int index, uint64_t *addr, uint64_t *size);

/* Walk nodes in document order.  With node < 0 returns the root and sets
 * *depth = 0; otherwise returns the node after `node`, adding to *depth the
 * change in nesting (+1 for a child, 0 for a sibling, less for an uncle).
 * A walk of node's subtree stops when *depth drops to the start value.
 * Returns -FDT_ENOENT after the last node, -FDT_EINVAL if malformed. */
int fdt_next_node(const void *dtb, int node, int *depth);

/* Name of node with its unit address ("serial@10000000"; "" for the root),
 * NUL-terminated inside the tree; NULL if node is not a node. */
const char *fdt_node_name(const void *dtb, int node);

/* The node containing node, -FDT_ENOENT for the root, -FDT_EINVAL if node is
 * not a node.  Costs a walk from the root. */
int fdt_parent(const void *dtb, int node);

/* Property iteration: the first property of node, or the one after prop.
 * Returns its offset, -FDT_ENOENT when there are no more, -FDT_EINVAL. */
int fdt_first_prop(const void *dtb, int node);
int fdt_next_prop(const void *dtb, int prop);

/* Value of the property at prop; sets *name (NUL-terminated in the strings
 * block) and *len (bytes) when non-NULL.  NULL if prop is not valid. */
const void *fdt_prop_value(const void *dtb, int prop, const char **name, int *len);

/* Value and *len of node's property called name; NULL when it has none or
 * the tree is malformed (then *len is -FDT_ENOENT or -FDT_EINVAL). */
const void *fdt_get_prop(const void *dtb, int node, const char *name, int *len);

/* The node at an absolute path such as "/soc/serial@10000000" or "/chosen".
 * A component without '@' also matches a name with a unit address
 * ("/memory" finds "memory@80000000"; the first match wins).
 * Returns the node, -FDT_ENOENT, or -FDT_EINVAL. */
int fdt_find_node_by_path(const void *dtb, const char *path);

/* True if the string list val (len bytes, e.g. a "compatible" value)
 * holds the string s. */
bool fdt_stringlist_contains(const void *val, int len, const char *s);

/* True if node's "compatible" list holds compat. */
bool fdt_node_is_compatible(const void *dtb, int node, const char *compat);

/* The first node after start (or from the root when start < 0), in document
 * order, whose "compatible" list holds compat.  Returns it, -FDT_ENOENT, or
 * -FDT_EINVAL. */
int fdt_find_compatible(const void *dtb, int start, const char *compat);

/* Entry index of node's "reg", decoded with the PARENT's #address-cells and
 * #size-cells (defaults 2 and 1; each may be 0..2).  Returns 0 with *addr and
 * *size set, -FDT_ENOENT past the last entry or without "reg", -FDT_EINVAL
 * for bad cells or a reg length that is not a whole number of entries. */
int fdt_read_reg(const void *dtb, int node, int index, uint64_t *addr, uint64_t *size);

struct boot_info;

/* Fill bi from the tree at dtb (at most FDT_MAX_BYTES; the totalsize bytes its
 * header claims must be readable):
 *   dtb_size; ram/nr_ram (reset) from every node with device_type "memory",
 *   every reg entry; reserved/nr_reserved APPENDED to the entries already
 *   there, from the memory reservation block and every child of
 *   /reserved-memory with a reg; uart_pa/uart_size/uart_reg_shift from the
 *   first "ns16550a" or "ns16550" node ("reg-shift", default 0); test_pa/size
 *   from "sifive,test1" or "sifive,test0"; plic_pa/size from "riscv,plic0" or
 *   "sifive,plic-1.0.0"; uart_irq from the UART's "interrupts"; rtc_pa/size
 *   from "google,goldfish-rtc";
 *   mmio/nr_mmio (reset) the non-empty reg windows of those devices (UART,
 *   test, PLIC, RTC), in that order; timebase_hz from /cpus
 *   "timebase-frequency" (one or two cells); bootargs pointing into the tree
 *   (at /chosen's property, whole) with bootargs_len its bytes before the
 *   first NUL.  Anything absent reads as 0 or "".
 * Entries beyond BOOT_MAX_REGIONS / BOOT_MAX_RESERVED and zero-sized ones are
 * dropped.  hartid and dtb_pa are left to the caller, as is reserving the
 * image and the tree itself (before or after this call).
 * Returns 0, or -FDT_EINVAL for a malformed tree or a bad bi->nr_reserved;
 * the fields above are then unspecified. */
int fdt_fill_boot_info(const void *dtb, struct boot_info *bi);

#endif
