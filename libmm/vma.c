/* VMAs: an AVL tree keyed by start address, augmented with the largest free
 * gap below each node's subtree (O(log n) lookup and gap search), plus an
 * address-ordered list for neighbours; and split/merge on top of them.
 *
 * A node's gap is the free space between its predecessor's end (or
 * VMA_FLOOR) and its start; max_gap is the largest gap in its subtree.
 * Changing a node's start or end changes its own or its successor's gap:
 * every change ends with refresh() along the path to the changed node. */
#include <arch/console.h>
#include <arch/layout.h>

#include <mm/errno.h>
#include <mm/kalloc.h>

#include "mm_internal.h"

#define MAX_DEPTH   64      /* AVL height bound for 2^32 nodes is ~46 */

static inline int height(const struct vma *v)
{
    return v ? v->height : 0;
}

static inline uint64 max3(uint64 a, uint64 b, uint64 c)
{
    uint64 m = a > b ? a : b;
    return m > c ? m : c;
}

/* Recompute v's height and max_gap from its children. */
static void update(struct vma *v)
{
    int hl = height(v->left), hr = height(v->right);
    v->height = 1 + (hl > hr ? hl : hr);
    v->max_gap = max3(v->gap, v->left ? v->left->max_gap : 0, v->right ? v->right->max_gap : 0);
}

static struct vma *rotate_right(struct vma *v)
{
    struct vma *l = v->left;
    v->left = l->right;
    l->right = v;
    update(v);
    update(l);
    return l;
}

static struct vma *rotate_left(struct vma *v)
{
    struct vma *r = v->right;
    v->right = r->left;
    r->left = v;
    update(v);
    update(r);
    return r;
}

/* Restore the AVL balance at v (children balanced); returns the subtree root. */
static struct vma *rebalance(struct vma *v)
{
    update(v);
    int bal = height(v->left) - height(v->right);
    if (bal > 1) {
        if (height(v->left->left) < height(v->left->right))
            v->left = rotate_left(v->left);
        return rotate_right(v);
    }
    if (bal < -1) {
        if (height(v->right->right) < height(v->right->left))
            v->right = rotate_right(v->right);
        return rotate_left(v);
    }
    return v;
}

/* The slots from the root down to where key sits (or would sit). */
struct path {
    struct vma **slot[MAX_DEPTH];
    int depth;
};

static void descend(struct mm *mm, uint64 key, struct path *p)
{
    struct vma **s = &mm->root;
    p->depth = 0;
    while (*s) {
        p->slot[p->depth++] = s;
        if (key == (*s)->start)
            return;
        s = key < (*s)->start ? &(*s)->left : &(*s)->right;
    }
    p->slot[p->depth++] = s;
}

/* Rebalance and re-augment the nodes on the path, bottom up, stopping at
 * the first one (above the lowest `fresh` slots, whose fields were just set)
 * that neither rotates nor changes height or max_gap: nothing above it can
 * change either. */
static void fix_path(struct path *p, int fresh)
{
    for (int i = p->depth - 1; i >= 0; i--) {
        struct vma *v = *p->slot[i];
        if (!v)
            continue;
        int h = v->height;
        uint64 g = v->max_gap;
        struct vma *n = rebalance(v);
        *p->slot[i] = n;
        if (n == v && v->height == h && v->max_gap == g && i < p->depth - fresh)
            return;
    }
}

/* Re-augment the path to v after its gap changed. */
static void refresh(struct mm *mm, struct vma *v)
{
    struct path p;
    descend(mm, v->start, &p);
    fix_path(&p, 0);
}

static uint64 gap_below(const struct vma *v)
{
    uint64 floor = v->prev ? v->prev->end : VMA_FLOOR;
    return v->start > floor ? v->start - floor : 0;
}

/* Recompute the gap of v (if any) and re-augment. */
static void regap(struct mm *mm, struct vma *v)
{
    if (v) {
        v->gap = gap_below(v);
        refresh(mm, v);
    }
}

struct vma *vma_find(struct mm *mm, uint64 addr)
{
    struct vma *c = mm->cache;
    if (c && addr >= c->start && addr < c->end)
        return c;
    for (struct vma *v = mm->root; v;) {
        if (addr < v->start)
            v = v->left;
        else if (addr >= v->end)
            v = v->right;
        else
            return mm->cache = v;
    }
    return NULL;
}

struct vma *vma_first_after(struct mm *mm, uint64 addr)
{
    struct vma *best = NULL;
    for (struct vma *v = mm->root; v;) {
        if (v->end > addr) {
            best = v;
            if (v->start <= addr)
                return v;
            v = v->left;
        } else {
            v = v->right;
        }
    }
    return best;
}

bool vma_range_free(struct mm *mm, uint64 start, uint64 end)
{
    struct vma *v = vma_first_after(mm, start);
    return !v || v->start >= end;
}

/* The VMA with the largest start below key, or NULL. */
static struct vma *find_prev(struct mm *mm, uint64 key)
{
    struct vma *best = NULL;
    for (struct vma *v = mm->root; v;) {
        if (v->start < key) {
            best = v;
            v = v->right;
        } else {
            v = v->left;
        }
    }
    return best;
}

void vma_insert(struct mm *mm, struct vma *v)
{
    struct vma *prev = find_prev(mm, v->start);
    struct vma *next = prev ? prev->next : mm->first;
    v->prev = prev;
    v->next = next;
    if (prev)
        prev->next = v;
    else
        mm->first = v;
    if (next)
        next->prev = v;
    v->left = v->right = NULL;
    v->gap = v->max_gap = gap_below(v);
    v->height = 1;

    struct path p;
    descend(mm, v->start, &p);
    *p.slot[p.depth - 1] = v;
    fix_path(&p, 1);
    mm->nr_vmas++;
    regap(mm, next);
}

/* Unlink the minimum of the subtree at *s; returns it. */
static struct vma *take_min(struct vma **s, struct path *p)
{
    while ((*s)->left) {
        p->slot[p->depth++] = s;
        s = &(*s)->left;
    }
    struct vma *m = *s;
    *s = m->right;
    return m;
}

void vma_remove(struct mm *mm, struct vma *v)
{
    struct path p;
    descend(mm, v->start, &p);
    struct vma **s = p.slot[p.depth - 1];
    int fresh = 0;
    if (*s != v)
        panic("vma_remove: [0x%lx-0x%lx) is not in the tree", v->start, v->end);
    if (!v->left || !v->right) {
        *s = v->left ? v->left : v->right;
        p.depth--;
    } else {
        struct path sub = { .depth = 0 };
        struct vma *m = take_min(&v->right, &sub);
        m->left = v->left;
        m->right = v->right;
        *s = m;
        /* slots below v now hang off m: rewrite them, then fix bottom up */
        for (int i = 0; i < sub.depth; i++)
            p.slot[p.depth + i] = sub.slot[i] == &v->right ? &m->right : sub.slot[i];
        p.depth += sub.depth;
        fresh = sub.depth + 1;      /* m's own fields are stale: recompute up to it */
    }
    fix_path(&p, fresh);

    if (v->prev)
        v->prev->next = v->next;
    else
        mm->first = v->next;
    if (v->next)
        v->next->prev = v->prev;
    if (mm->cache == v)
        mm->cache = NULL;
    if (mm->heap == v)
        mm->heap = NULL;
    mm->nr_vmas--;
    regap(mm, v->next);
}

void vma_set_end(struct mm *mm, struct vma *v, uint64 end)
{
    v->end = end;
    regap(mm, v->next);
}

struct vma *vma_split(struct mm *mm, struct vma *v, uint64 addr, struct vma *spare)
{
    *spare = *v;
    spare->start = addr;
    v->end = addr;
    vma_insert(mm, spare);      /* the successor's gap is unchanged */
    return spare;
}

static bool same_kind(const struct vma *a, const struct vma *b)
{
    return a && b && a->end == b->start && a->prot == b->prot && a->flags == b->flags &&
           a->name == b->name && !(a->flags & (VMA_GUARD | VMA_HEAP));
}

struct vma *vma_merge(struct mm *mm, struct vma *v)
{
    struct vma *n = v->next;
    if (same_kind(v, n)) {
        uint64 end = n->end;
        vma_remove(mm, n);
        vma_free(n);
        vma_set_end(mm, v, end);
    }
    struct vma *p = v->prev;
    if (same_kind(p, v)) {
        uint64 end = v->end;
        vma_remove(mm, v);
        vma_free(v);
        vma_set_end(mm, p, end);
        v = p;
    }
    return v;
}

/* Highest a in v's subtree gaps, clipped to limit (see vma_find_gap). */
static uint64 gap_in(const struct vma *v, uint64 len, uint64 limit)
{
    if (!v || v->max_gap < len)
        return 0;
    if (v->right && v->end < limit) {
        uint64 a = gap_in(v->right, len, limit);
        if (a)
            return a;
    }
    uint64 lo = v->start - v->gap;
    uint64 hi = v->start < limit ? v->start : limit;
    if (hi > lo && hi - lo >= len)
        return hi - len;
    return gap_in(v->left, len, limit);
}

uint64 vma_find_gap(struct mm *mm, uint64 len, uint64 limit)
{
    if (len == 0 || limit < VMA_FLOOR || limit - VMA_FLOOR < len)
        return 0;
    /* above the last VMA, below limit */
    struct vma *last = find_prev(mm, ~0UL);
    uint64 top_floor = last && last->end > VMA_FLOOR ? last->end : VMA_FLOOR;
    if (limit > top_floor && limit - top_floor >= len)
        return limit - len;
    return gap_in(mm->root, len, limit);
}

struct vma *vma_new(uint64 start, uint64 end, uint32 prot, uint32 flags, const char *name)
{
    struct vma *v = kalloc(sizeof *v);
    if (v) {
        v->start = start;
        v->end = end;
        v->prot = prot;
        v->flags = flags;
        v->name = name;
    }
    return v;
}

void vma_free(struct vma *v)
{
    kfree(v);
}

/* Check the subtree at v; returns its node count, or -1 after a report. */
static long check_node(const struct vma *v, uint64 lo, uint64 hi)
{
    if (!v)
        return 0;
    if (v->start < lo || v->end > hi || v->start >= v->end || (v->start | v->end) & PAGE_MASK) {
        kprintf("vma: [0x%lx-0x%lx) out of order or malformed\n", v->start, v->end);
        return -1;
    }
    long l = check_node(v->left, lo, v->start), r = check_node(v->right, v->end, hi);
    if (l < 0 || r < 0)
        return -1;
    int hl = height(v->left), hr = height(v->right);
    uint64 mg = max3(v->gap, v->left ? v->left->max_gap : 0, v->right ? v->right->max_gap : 0);
    if (v->height != 1 + (hl > hr ? hl : hr) || hl - hr > 1 || hr - hl > 1 ||
        v->gap != gap_below(v) || v->max_gap != mg) {
        kprintf("vma: [0x%lx-0x%lx) bad height, balance or gap\n", v->start, v->end);
        return -1;
    }
    return 1 + l + r;
}

int vma_check(struct mm *mm)
{
    long n = check_node(mm->root, VMA_FLOOR, USER_END);
    uint64 count = 0;
    for (struct vma *v = mm->first; v; v = v->next, count++) {
        if ((v->next && (v->next->prev != v || v->next->start < v->end)) || vma_find(mm, v->start) != v) {
            kprintf("vma: list broken at [0x%lx-0x%lx)\n", v->start, v->end);
            return -MM_EINVAL;
        }
    }
    if (n < 0 || (uint64)n != mm->nr_vmas || count != mm->nr_vmas) {
        kprintf("vma: %ld in tree, %lu in list, %lu counted\n", n, count, mm->nr_vmas);
        return -MM_EINVAL;
    }
    return 0;
}
