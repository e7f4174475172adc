/* The flattened device tree parser: bounds-checked reads of the header, the
 * memory reservation map and the structure and strings blocks (see arch/fdt.h). */
#include <arch/fdt.h>

/* Header field offsets (Devicetree Specification, 5.2). */
#define HDR_MAGIC           0
#define HDR_TOTALSIZE       4
#define HDR_OFF_STRUCT      8
#define HDR_OFF_STRINGS     12
#define HDR_OFF_RSVMAP      16
#define HDR_VERSION         20
#define HDR_LAST_COMP       24
#define HDR_SIZE_STRINGS    32
#define HDR_SIZE_STRUCT     36

#define TOKEN_BYTES         4       /* tokens and the structure block are 4-byte aligned */
#define PROP_LEN_OFF        4       /* FDT_PROP, then len, then nameoff */
#define PROP_NAMEOFF_OFF    8
#define PROP_HEADER_BYTES   12
#define RSV_ENTRY_BYTES     16      /* big-endian 64-bit address, then size */
#define RSV_SIZE_OFF        8
#define RSV_ALIGN           8
#define CELL_BYTES          4
#define MAX_CELLS           2       /* a cell count that still fits in a uint64_t */
#define BAD_TOKEN           0       /* internal: what a malformed token reads as */

/* The bounds of one tree, taken from its header. */
struct fdt_view {
    const uint8_t *base;
    uint32_t total, struct_off, struct_end, strings_off, strings_size, rsv_off;
};

static uint32_t align4(uint32_t off)
{
    return (off + TOKEN_BYTES - 1) & ~(uint32_t)(TOKEN_BYTES - 1);
}

/* True if the block [off, off + size) lies inside total bytes. */
static bool block_fits(uint64_t off, uint64_t size, uint64_t total)
{
    return off <= total && size <= total - off;
}

/* Fill v from dtb's header, trusting totalsize only up to max_size.
 * Returns 0 or -FDT_EINVAL. */
static int view_init(struct fdt_view *v, const void *dtb, uint64_t max_size)
{
    const uint8_t *b = dtb;
    if (!b || max_size < FDT_HEADER_BYTES || fdt32(b + HDR_MAGIC) != FDT_MAGIC)
        return -FDT_EINVAL;
    uint32_t total = fdt32(b + HDR_TOTALSIZE);
    uint32_t soff = fdt32(b + HDR_OFF_STRUCT), ssize = fdt32(b + HDR_SIZE_STRUCT);
    uint32_t stroff = fdt32(b + HDR_OFF_STRINGS), strsize = fdt32(b + HDR_SIZE_STRINGS);
    uint32_t rsv = fdt32(b + HDR_OFF_RSVMAP);
    if (fdt32(b + HDR_VERSION) < FDT_VERSION || fdt32(b + HDR_LAST_COMP) > FDT_VERSION)
        return -FDT_EINVAL;
    if (total < FDT_HEADER_BYTES || total > max_size || total > INT32_MAX)
        return -FDT_EINVAL;
    if (!block_fits(soff, ssize, total) || !block_fits(stroff, strsize, total) ||
        !block_fits(rsv, RSV_ENTRY_BYTES, total))
        return -FDT_EINVAL;
    if (soff % TOKEN_BYTES || ssize % TOKEN_BYTES || rsv % RSV_ALIGN ||
        soff < FDT_HEADER_BYTES || rsv < FDT_HEADER_BYTES)
        return -FDT_EINVAL;
    *v = (struct fdt_view){ b, total, soff, soff + ssize, stroff, strsize, rsv };
    return 0;
}

/* view_init for calls that trust the header's totalsize (see arch/fdt.h). */
static int view_of(struct fdt_view *v, const void *dtb)
{
    return view_init(v, dtb, UINT32_MAX);
}

int fdt_check(const void *dtb, uint64_t max_size)
{
    struct fdt_view v;
    int rc = view_init(&v, dtb, max_size);
    return rc < 0 ? rc : (int)v.total;
}

int fdt_get_mem_rsv(const void *dtb, int index, uint64_t *addr, uint64_t *size)
{
    struct fdt_view v;
    if (view_of(&v, dtb) < 0 || index < 0)
        return -FDT_EINVAL;
    for (uint64_t i = 0; ; i++) {
        uint64_t off = v.rsv_off + i * RSV_ENTRY_BYTES;
        if (!block_fits(off, RSV_ENTRY_BYTES, v.total))
            return -FDT_EINVAL;
        uint64_t a = fdt64(v.base + off), s = fdt64(v.base + off + RSV_SIZE_OFF);
        if (a == 0 && s == 0)
            return -FDT_ENOENT;
        if (i == (uint64_t)index) {
            *addr = a;
            *size = s;
            return 0;
        }
    }
}

/* Length of the string at s with NUL inside max bytes, or -1 if unterminated. */
static int64_t bounded_strlen(const char *s, uint64_t max)
{
    for (uint64_t i = 0; i < max; i++)
        if (s[i] == '\0')
            return (int64_t)i;
    return -1;
}

/* True if the n bytes at a start the NUL-terminated string b. */
static bool str_has_prefix(const char *b, const char *a, uint64_t n)
{
    for (uint64_t i = 0; i < n; i++)
        if (b[i] != a[i] || b[i] == '\0')
            return false;
    return true;
}

/* True if the n bytes at a equal the NUL-terminated string b. */
static bool mem_equals_str(const char *a, uint64_t n, const char *b)
{
    return str_has_prefix(b, a, n) && b[n] == '\0';
}

/* True if the NUL-terminated strings a and b are equal. */
static bool str_equal(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return *a == *b;
}

/* Decode the token at off in the structure block; set *next to the offset
 * of the token after it (name or value skipped).  Returns the token, or
 * BAD_TOKEN if it, or what it carries, leaves the structure block. */
static uint32_t token_at(const struct fdt_view *v, uint32_t off, uint32_t *next)
{
    if (off < v->struct_off || off % TOKEN_BYTES || !block_fits(off, TOKEN_BYTES, v->struct_end))
        return BAD_TOKEN;
    uint32_t tok = fdt32(v->base + off), after = off + TOKEN_BYTES;
    if (tok == FDT_BEGIN_NODE) {
        int64_t n = bounded_strlen((const char *)v->base + after, v->struct_end - after);
        if (n < 0)
            return BAD_TOKEN;
        after = align4(after + (uint32_t)n + 1);
    } else if (tok == FDT_PROP) {
        if (!block_fits(off, PROP_HEADER_BYTES, v->struct_end))
            return BAD_TOKEN;
        uint32_t len = fdt32(v->base + off + PROP_LEN_OFF);
        if (!block_fits(off + PROP_HEADER_BYTES, len, v->struct_end))
            return BAD_TOKEN;
        after = align4(off + PROP_HEADER_BYTES + len);
    } else if (tok != FDT_END_NODE && tok != FDT_NOP && tok != FDT_END) {
        return BAD_TOKEN;
    }
    if (after > v->struct_end)
        return BAD_TOKEN;
    *next = after;
    return tok;
}

/* Offset of the first token at or after off that is not FDT_NOP; sets *tok. */
static uint32_t skip_nops(const struct fdt_view *v, uint32_t off, uint32_t *tok)
{
    uint32_t next;
    while ((*tok = token_at(v, off, &next)) == FDT_NOP)
        off = next;
    return off;
}

/* True if node is the offset of an FDT_BEGIN_NODE token; sets *after to the
 * token after the node's name. */
static bool is_node(const struct fdt_view *v, int node, uint32_t *after)
{
    return node >= 0 && token_at(v, (uint32_t)node, after) == FDT_BEGIN_NODE;
}

int fdt_next_node(const void *dtb, int node, int *depth)
{
    struct fdt_view v;
    uint32_t off, next, tok;
    if (view_of(&v, dtb) < 0 || !depth)
        return -FDT_EINVAL;
    if (node < 0) {
        off = skip_nops(&v, v.struct_off, &tok);
        *depth = 0;
        return tok == FDT_BEGIN_NODE ? (int)off : -FDT_EINVAL;
    }
    if (!is_node(&v, node, &off))
        return -FDT_EINVAL;
    for (;;) {
        tok = token_at(&v, off, &next);
        if (tok == FDT_BEGIN_NODE) {
            (*depth)++;
            return (int)off;
        }
        if (tok == FDT_END_NODE)
            (*depth)--;
        else if (tok == FDT_END)
            return -FDT_ENOENT;
        else if (tok == BAD_TOKEN)
            return -FDT_EINVAL;
        off = next;
    }
}

const char *fdt_node_name(const void *dtb, int node)
{
    struct fdt_view v;
    uint32_t after;
    if (view_of(&v, dtb) < 0 || !is_node(&v, node, &after))
        return NULL;
    return (const char *)v.base + node + TOKEN_BYTES;
}

int fdt_parent(const void *dtb, int node)
{
    int depth = 0, target = -1, d = 0;
    for (int n = fdt_next_node(dtb, -1, &depth); n >= 0; n = fdt_next_node(dtb, n, &depth))
        if (n == node) {
            target = depth;
            break;
        }
    if (target < 0)
        return -FDT_EINVAL;
    if (target == 0)
        return -FDT_ENOENT;
    /* The parent is the last node at depth target - 1 before node. */
    int parent = -FDT_EINVAL;
    for (int n = fdt_next_node(dtb, -1, &d); n >= 0 && n < node; n = fdt_next_node(dtb, n, &d))
        if (d == target - 1)
            parent = n;
    return parent;
}

/* The property token at or after off (NOPs skipped), or -FDT_ENOENT when a
 * node boundary comes first. */
static int prop_from(const struct fdt_view *v, uint32_t off)
{
    uint32_t tok;
    off = skip_nops(v, off, &tok);
    if (tok == BAD_TOKEN)
        return -FDT_EINVAL;
    return tok == FDT_PROP ? (int)off : -FDT_ENOENT;
}

int fdt_first_prop(const void *dtb, int node)
{
    struct fdt_view v;
    uint32_t after;
    if (view_of(&v, dtb) < 0 || !is_node(&v, node, &after))
        return -FDT_EINVAL;
    return prop_from(&v, after);
}

int fdt_next_prop(const void *dtb, int prop)
{
    struct fdt_view v;
    uint32_t after;
    if (view_of(&v, dtb) < 0 || prop < 0 || token_at(&v, (uint32_t)prop, &after) != FDT_PROP)
        return -FDT_EINVAL;
    return prop_from(&v, after);
}

const void *fdt_prop_value(const void *dtb, int prop, const char **name, int *len)
{
    struct fdt_view v;
    uint32_t after;
    if (view_of(&v, dtb) < 0 || prop < 0 || token_at(&v, (uint32_t)prop, &after) != FDT_PROP)
        return NULL;
    const uint8_t *p = v.base + prop;
    uint32_t nameoff = fdt32(p + PROP_NAMEOFF_OFF);
    const char *s = (const char *)v.base + v.strings_off + nameoff;
    if (nameoff >= v.strings_size || bounded_strlen(s, v.strings_size - nameoff) < 0)
        return NULL;
    if (name)
        *name = s;
    if (len)
        *len = (int)fdt32(p + PROP_LEN_OFF);
    return p + PROP_HEADER_BYTES;
}

const void *fdt_get_prop(const void *dtb, int node, const char *name, int *len)
{
    int prop = fdt_first_prop(dtb, node), plen = 0;
    for (; prop >= 0; prop = fdt_next_prop(dtb, prop)) {
        const char *pname;
        const void *val = fdt_prop_value(dtb, prop, &pname, &plen);
        if (!val) {
            prop = -FDT_EINVAL;
            break;
        }
        if (str_equal(pname, name)) {
            if (len)
                *len = plen;
            return val;
        }
    }
    if (len)
        *len = prop;
    return NULL;
}

/* True if the node name matches the path component comp[0..n): equal, or
 * equal up to the name's '@' when the component has no unit address. */
static bool name_matches(const char *name, const char *comp, uint64_t n)
{
    if (!name || !str_has_prefix(name, comp, n))
        return false;
    if (name[n] == '\0')
        return true;
    for (uint64_t i = 0; i < n; i++)
        if (comp[i] == '@')
            return false;
    return name[n] == '@';
}

/* The child of parent whose name matches comp[0..n), or a negative error. */
static int find_child(const void *dtb, int parent, const char *comp, uint64_t n)
{
    int depth = 0;
    int node = fdt_next_node(dtb, parent, &depth);
    for (; node >= 0 && depth > 0; node = fdt_next_node(dtb, node, &depth))
        if (depth == 1 && name_matches(fdt_node_name(dtb, node), comp, n))
            return node;
    return node == -FDT_EINVAL ? node : -FDT_ENOENT;
}

int fdt_find_node_by_path(const void *dtb, const char *path)
{
    int depth = 0, node = fdt_next_node(dtb, -1, &depth);
    if (!path || path[0] != '/')
        return -FDT_EINVAL;
    while (node >= 0) {
        while (*path == '/')
            path++;
        if (*path == '\0')
            return node;
        uint64_t n = 0;
        while (path[n] != '\0' && path[n] != '/')
            n++;
        node = find_child(dtb, node, path, n);
        path += n;
    }
    return node;
}

bool fdt_stringlist_contains(const void *val, int len, const char *s)
{
    const char *p = val;
    for (int i = 0; p && i < len; ) {
        int64_t n = bounded_strlen(p + i, (uint64_t)(len - i));
        if (n < 0)
            n = len - i;                    /* unterminated last string */
        if (mem_equals_str(p + i, (uint64_t)n, s))
            return true;
        i += (int)n + 1;
    }
    return false;
}

bool fdt_node_is_compatible(const void *dtb, int node, const char *compat)
{
    int len;
    const void *val = fdt_get_prop(dtb, node, "compatible", &len);
    return val && fdt_stringlist_contains(val, len, compat);
}

int fdt_find_compatible(const void *dtb, int start, const char *compat)
{
    int depth = 0;
    int node = fdt_next_node(dtb, start, &depth);
    for (; node >= 0; node = fdt_next_node(dtb, node, &depth))
        if (fdt_node_is_compatible(dtb, node, compat))
            return node;
    return node;
}

/* node's cell-count property name, dflt when absent; -FDT_EINVAL unless it
 * is a single cell in 0..MAX_CELLS. */
static int cells_of(const void *dtb, int node, const char *name, int dflt)
{
    int len;
    const void *val = fdt_get_prop(dtb, node, name, &len);
    if (!val)
        return len == -FDT_ENOENT ? dflt : -FDT_EINVAL;
    if (len != CELL_BYTES || fdt32(val) > MAX_CELLS)
        return -FDT_EINVAL;
    return (int)fdt32(val);
}

/* The big-endian number in the n (0..MAX_CELLS) cells at p. */
static uint64_t read_cells(const uint8_t *p, int n)
{
    return n == 0 ? 0 : n == 1 ? fdt32(p) : fdt64(p);
}

int fdt_read_reg(const void *dtb, int node, int index, uint64_t *addr, uint64_t *size)
{
    int parent = fdt_parent(dtb, node), ac, sc, len;
    if (parent == -FDT_EINVAL || index < 0)
        return -FDT_EINVAL;
    ac = parent < 0 ? FDT_DEFAULT_ADDR_CELLS
                    : cells_of(dtb, parent, "#address-cells", FDT_DEFAULT_ADDR_CELLS);
    sc = parent < 0 ? FDT_DEFAULT_SIZE_CELLS
                    : cells_of(dtb, parent, "#size-cells", FDT_DEFAULT_SIZE_CELLS);
    if (ac < 0 || sc < 0 || ac + sc == 0)
        return -FDT_EINVAL;
    const uint8_t *reg = fdt_get_prop(dtb, node, "reg", &len);
    if (!reg)
        return len;
    int entry_bytes = (ac + sc) * CELL_BYTES;
    if (len % entry_bytes)
        return -FDT_EINVAL;
    if (index >= len / entry_bytes)
        return -FDT_ENOENT;
    reg += index * entry_bytes;
    *addr = read_cells(reg, ac);
    *size = read_cells(reg + ac * CELL_BYTES, sc);
    return 0;
}
