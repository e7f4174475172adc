/* The VMA tree: each address space's VMAs in an AVL tree keyed by start
 * address, with parent links, an address-ordered list beside it and the
 * largest free gap of each subtree kept in its root; lookups, the top-down
 * search for a free range, and the placement hint that makes mmap's usual
 * case O(1).
 *
 * The augmentation.  A node's gap is the free space between its
 * predecessor's end (or VMA_FLOOR) and its start; its max_gap is the
 * largest gap in its subtree, leaving out the gap hint's own gap (below).
 * Changing a node's start or end changes its own or its successor's gap.
 * As with Linux's rbtree_augmented.h, two functions keep max_gap exact:
 * propagate() recomputes it from a changed node towards the root, stopping
 * at the first node it leaves as it was, and rotate() carries it across a
 * rotation (the lifted node heads what its parent headed, so it takes the
 * parent's value; only the parent is recomputed).  Every change first fixes
 * the gaps with propagate(), then restores the AVL heights with
 * rebalance_up(), whose rotations keep the gaps exact.
 *
 * mmap places top-down, mostly right below the mapping it placed last, and
 * munmap often removes that one again; three things make that O(1):
 *  - the gap hint: mm->gap_hint is a node such that, below gap_hint_limit,
 *    no free range above it holds gap_hint_len bytes.  A search for as much
 *    or more with that limit takes the hint's own gap when it fits, and an
 *    insert into that gap needs no search for its place.  A VMA put at the
 *    top of the hint's gap becomes the hint; removing the hint passes it to
 *    its successor; freeing space above it drops it (set_hint);
 *  - the hint's own gap, the one those changes keep resizing, is left out
 *    of max_gap (searches look at it directly), so they re-augment nothing;
 *  - the pending leaf: a new node is counted in its ancestors' max_gap at
 *    once but in their heights only when the tree next changes shape
 *    (balance_pending_leaf); a leaf removed before then needs no
 *    rebalancing at all.  Only max_gap and the order matter to lookups and
 *    searches meanwhile. */
#include <arch/console.h>
#include <arch/layout.h>

#include <mm/errno.h>

#include "mm_internal.h"
#include "words.h"

static inline int height(const struct vma *v)
{
    return v ? v->height : 0;
}

static inline uint64 subtree_gap(const struct vma *v)
{
    return v ? v->max_gap : 0;
}

static inline uint64 max_u64(uint64 a, uint64 b)
{
    return a > b ? a : b;
}


/* v's gap as max_gap counts it: none for the gap hint. */
static inline uint64 own_gap(const struct mm *mm, const struct vma *v)
{
    return v == mm->gap_hint ? 0 : v->gap;
}

/* v's max_gap computed from its own gap and its children's max_gap. */
static inline uint64 max_gap_of(const struct mm *mm, const struct vma *v)
{
    return max_u64(own_gap(mm, v), max_u64(subtree_gap(v->left), subtree_gap(v->right)));
}

/* v's height computed from its children's. */
static inline int height_of(const struct vma *v)
{
    int hl = height(v->left), hr = height(v->right);
    return 1 + (hl > hr ? hl : hr);
}

/* The free space below v: from its predecessor's end (or the floor) to its start. */
static uint64 gap_below(const struct vma *v)
{
    uint64 floor = v->prev ? v->prev->end : VMA_FLOOR;
    return v->start > floor ? v->start - floor : 0;
}

/* ---- the augmentation: propagate and rotate ------------------------------ */

/* Recompute max_gap from v (may be NULL) towards the root.  changed (may be
 * NULL) is the highest node on that path whose own gap changed, or started
 * or stopped counting: v and every node up to changed are recomputed; past
 * them, the walk stops at the first node that keeps its max_gap (so each
 * node's max_gap must be what its parent's was computed from).  Inline:
 * mmap and munmap each end with one. */
static inline __attribute__((always_inline)) void propagate(struct mm *mm, struct vma *v,
                                                           const struct vma *changed)
{
    for (; v; v = v->parent) {
        uint64 g = max_gap_of(mm, v);
        if (g == v->max_gap && (!changed || v == changed))
            return;
        if (v == changed)
            changed = NULL;
        v->max_gap = g;
    }
}

/* The link that points to v: its parent's child pointer, or the root. */
static struct vma **link_of(struct mm *mm, const struct vma *v)
{
    struct vma *p = v->parent;
    if (!p)
        return &mm->root;
    return p->left == v ? &p->left : &p->right;
}

/* Hang c (may be NULL) where v hangs now. */
static void replace_child(struct mm *mm, struct vma *v, struct vma *c)
{
    *link_of(mm, v) = c;
    if (c)
        c->parent = v->parent;
}

/* Lift c above its parent p (a single rotation, either way round), keeping
 * heights and max_gap exact: c now heads the subtree p headed, so it takes
 * p's max_gap; p, which lost a child, is recomputed.  p's max_gap and both
 * nodes' children must be exact. */
static void rotate(struct mm *mm, struct vma *c)
{
    struct vma *p = c->parent, *moved;
    replace_child(mm, p, c);
    if (p->left == c) {
        moved = c->right;
        p->left = moved;
        c->right = p;
    } else {
        moved = c->left;
        p->right = moved;
        c->left = p;
    }
    if (moved)
        moved->parent = p;
    p->parent = c;
    c->max_gap = p->max_gap;
    p->max_gap = max_gap_of(mm, p);
    p->height = height_of(p);
    c->height = height_of(c);
}

/* ---- balance ------------------------------------------------------------- */

/* Restore the AVL balance at x, whose children (balanced, exact) differ in
 * height by 2: lift its taller child, after lifting that child's inner
 * child first when it is the taller one.  Returns the node at x's place. */
static struct vma *rebalance(struct mm *mm, struct vma *x)
{
    bool left = height(x->left) > height(x->right);
    struct vma *c = left ? x->left : x->right;
    struct vma *inner = left ? c->right : c->left, *outer = left ? c->left : c->right;
    if (height(inner) > height(outer)) {
        rotate(mm, inner);
        c = inner;
    }
    rotate(mm, c);
    return c;
}

/* Recount heights from x (may be NULL) towards the root, rebalancing where
 * they differ by 2; stops at the first node that keeps its height.  max_gap
 * must be exact on the way (propagate first). */
static void rebalance_up(struct mm *mm, struct vma *x)
{
    for (; x; x = x->parent) {
        int hl = height(x->left), hr = height(x->right), h = 1 + (hl > hr ? hl : hr);
        if (hl - hr > 1 || hr - hl > 1)
            x = rebalance(mm, x);       /* x's new subtree is exact; go on above it */
        else if (h == x->height)
            return;
        else
            x->height = h;
    }
}

/* Count the pending leaf (mm->unbalanced) in its ancestors' heights,
 * rebalancing: before any other change to the tree's shape. */
static void balance_pending_leaf(struct mm *mm)
{
    struct vma *u = mm->unbalanced;
    if (u) {
        mm->unbalanced = NULL;
        rebalance_up(mm, u->parent);
    }
}

/* Make h (may be NULL) the gap hint; the caller sets its length and limit. */
static void set_hint(struct mm *mm, struct vma *h)
{
    struct vma *old = mm->gap_hint;
    if (old == h)
        return;
    mm->gap_hint = h;
    propagate(mm, old, NULL);
    propagate(mm, h, NULL);
}

/* ---- lookups ------------------------------------------------------------- */

/* The VMA containing addr, or NULL; no side effect but the cache.  Inline:
 * every page fault starts here. */
static inline __attribute__((always_inline)) struct vma *lookup(struct mm *mm, uint64 addr)
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

struct vma *vma_find(struct mm *mm, uint64 addr)
{
    struct vma *v = lookup(mm, addr);
    if (v)
        v->fresh = false;       /* the caller may map pages in it (faults do) */
    return v;
}

struct vma *vma_first_after(struct mm *mm, uint64 addr)
{
    struct vma *c = mm->cache;
    if (c && addr >= c->start && addr < c->end)
        return c;
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

struct vma_neighbours vma_neighbours_in_tree(struct mm *mm, uint64 start)
{
    struct vma *next = NULL, *last = mm->root;
    for (struct vma *w = mm->root; w;) {
        if (start < w->start) {
            next = w;
            w = w->left;
        } else {
            w = w->right;
        }
    }
    if (next)
        return (struct vma_neighbours){ next->prev, next };
    while (last && last->right)
        last = last->right;
    return (struct vma_neighbours){ last, NULL };
}

/* ---- linking and unlinking ----------------------------------------------- */

/* vma_link after counting the pending leaf (apart, so that vma_link itself
 * makes no call but its last). */
static __attribute__((noinline)) void link_after_balancing(struct mm *mm, struct vma *v,
                                                           struct vma *prev, struct vma *next)
{
    balance_pending_leaf(mm);
    vma_link(mm, v, prev, next);
}

/* v hangs as next's left child when that is free, else as prev's right
 * child, which then is (prev is the largest node of next's left subtree, or
 * of the whole tree).  The new leaf's gaps are counted at once, its height
 * only by the next change (balance_pending_leaf): a leaf that goes again
 * before then, as many a fresh mapping does, never costs a rebalance. */
void vma_link(struct mm *mm, struct vma *v, struct vma *prev, struct vma *next)
{
    if (mm->unbalanced) {
        link_after_balancing(mm, v, prev, next);
        return;
    }
    v->prev = prev;
    v->next = next;
    *(prev ? &prev->next : &mm->first) = v;
    if (next) {
        next->prev = v;
        next->gap = gap_below(next);
        if (next == mm->gap_hint && v->end >= min_u64(next->start, mm->gap_hint_limit))
            mm->gap_hint = v;           /* nothing fits above v: v takes the hint */
    }
    v->left = v->right = NULL;
    v->height = 1;
    v->gap = gap_below(v);
    v->max_gap = own_gap(mm, v);
    mm->nr_vmas++;
    struct vma *parent = next && !next->left ? next : prev;
    v->parent = parent;
    *(!parent ? &mm->root : parent == next ? &next->left : &prev->right) = v;
    mm->unbalanced = v;
    propagate(mm, parent, next);        /* next's gap shrank (or now counts) */
}

void vma_insert(struct mm *mm, struct vma *v)
{
    struct vma_neighbours n = vma_neighbours(mm, v->start, v->end);
    vma_link(mm, v, n.prev, n.next);
}

/* Take v out of the list and the mm's pointers to it. */
static void unlist(struct mm *mm, struct vma *v)
{
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
}

/* Whether removing v grows a gap above the gap hint: v lies above it and
 * its predecessor does not cover it already (as when merging). */
static bool frees_above_hint(const struct mm *mm, const struct vma *v)
{
    const struct vma *h = mm->gap_hint;
    return h && h != v && v->start > h->start && !(v->prev && v->prev->end >= v->end);
}

/* vma_remove's work that calls out, before it: count another pending leaf;
 * v must be in the tree; the hint goes if v's space above it frees. */
static __attribute__((noinline)) void remove_slow(struct mm *mm, struct vma *v)
{
    balance_pending_leaf(mm);
    if (*link_of(mm, v) != v)
        panic("vma_remove: [0x%lx-0x%lx) is not in the tree", v->start, v->end);
    if (frees_above_hint(mm, v))
        set_hint(mm, NULL);
    vma_remove(mm, v);
}

/* Take v, which is not the pending leaf, out of the tree: its successor
 * next (or, with one child, that child) takes its place; changed as for
 * propagate.  Then the gaps and heights from the lowest node that changed. */
static void detach(struct mm *mm, struct vma *v, struct vma *next, struct vma *changed)
{
    struct vma *x, *from;
    if (!v->left || !v->right) {
        struct vma *c = v->left ? v->left : v->right;     /* a leaf (AVL), maybe next */
        replace_child(mm, v, c);
        x = v->parent;
        from = c ? c : x;
        if (!changed || changed == c)
            changed = x;                /* x lost v's gap; c, if next, is below it */
    } else {
        struct vma *m = next;           /* the smallest node of v's right subtree */
        x = m->parent == v ? m : m->parent;
        if (m != v->right) {
            replace_child(mm, m, m->right);
            m->right = v->right;
            m->right->parent = m;
        }
        m->left = v->left;
        m->left->parent = m;
        replace_child(mm, v, m);
        m->height = v->height;          /* copied from v: what its parent was */
        m->max_gap = v->max_gap;        /* computed from, for the passes to compare */
        from = x;
        changed = m;
    }
    propagate(mm, from, changed);
    rebalance_up(mm, x);
}

void vma_remove(struct mm *mm, struct vma *v)
{
    struct vma *next = v->next;
    bool pending = v == mm->unbalanced;
    if ((mm->unbalanced && !pending) || *link_of(mm, v) != v || frees_above_hint(mm, v)) {
        remove_slow(mm, v);
        return;
    }
    unlist(mm, v);
    if (next)
        next->gap = gap_below(next);
    if (v == mm->gap_hint)
        mm->gap_hint = next;            /* the gaps above next stay as they were */
    if (!pending) {
        detach(mm, v, next, next);
        return;
    }
    mm->unbalanced = NULL;              /* a leaf no height counts yet: gaps only */
    *link_of(mm, v) = NULL;
    propagate(mm, v->parent, next);
}

void vma_set_end(struct mm *mm, struct vma *v, uint64 end)
{
    struct vma *h = mm->gap_hint, *next = v->next;
    if (h && end < v->end && v->start >= h->start)
        set_hint(mm, NULL);             /* a gap above the hint grows */
    v->end = end;
    if (next) {
        next->gap = gap_below(next);
        propagate(mm, next, NULL);
    }
}

void vma_set_start(struct mm *mm, struct vma *v, uint64 start)
{
    struct vma *h = mm->gap_hint;
    if (h && start > v->start && v != h && v->start > h->start)
        set_hint(mm, NULL);             /* a gap above the hint grows */
    if (v->file)        /* a file mapping's first page moves with its start */
        v->pgoff += (start >> PAGE_SHIFT) - (v->start >> PAGE_SHIFT);
    v->start = start;
    v->gap = gap_below(v);
    propagate(mm, v, NULL);
}

/* ---- the search for a free range ----------------------------------------- */

/* The nearest ancestor of v that lies below v's subtree (v's subtree hangs
 * on its right), or NULL: where the top-down search goes on after it. */
static struct vma *ancestor_below(struct vma *v)
{
    for (struct vma *p = v->parent; p; v = p, p = p->parent) {
        if (p->right == v)
            return p;
    }
    return NULL;
}

/* The highest a with [a, a + len) in v's gap and a + len <= limit; 0 if none. */
static uint64 fit_below(const struct vma *v, uint64 len, uint64 limit)
{
    uint64 lo = v->start - v->gap, hi = min_u64(v->start, limit);
    return hi > lo && hi - lo >= len ? hi - len : 0;
}

/* Highest a in the gaps the tree's max_gap counts with a + len <= limit
 * (len <= limit, see vma_find_gap), and in *above the node whose gap it is;
 * 0 when none.  Each node: its right subtree (higher gaps, all starting at
 * or above its end) when one could hold len, then its own gap, then its
 * left subtree, then back up. */
static uint64 gap_in_tree(struct mm *mm, uint64 len, uint64 limit, struct vma **above)
{
    struct vma *v = mm->root;
    uint64 high = limit - len;          /* the highest start that fits */
    if (!v || v->max_gap < len)
        return 0;
    for (;;) {
        if (v->right && v->end <= high && v->right->max_gap >= len) {
            v = v->right;
            continue;
        }
        for (;;) {
            uint64 a = fit_below(v, len, limit);
            if (a) {
                *above = v;
                return a;
            }
            if (v->left && v->left->max_gap >= len)
                break;
            v = ancestor_below(v);
            if (!v)
                return 0;
        }
        v = v->left;
    }
}

/* vma_find_gap past the hint: the space above the last VMA, the tree's
 * gaps and the hint's (a, 0 when it does not fit); sets the hint. */
static __attribute__((noinline)) uint64 find_gap_slow(struct mm *mm, uint64 len, uint64 limit,
                                                      uint64 a)
{
    struct vma *last = mm->root, *above = mm->gap_hint, *in_tree;
    while (last && last->right)
        last = last->right;
    uint64 top_floor = last && last->end > VMA_FLOOR ? last->end : VMA_FLOOR;
    if (limit > top_floor && limit - top_floor >= len)
        return limit - len;
    uint64 b = gap_in_tree(mm, len, limit, &in_tree);
    if (b > a) {
        a = b;
        above = in_tree;
    }
    if (a) {            /* the highest fit: nothing above it holds len */
        set_hint(mm, above);
        mm->gap_hint_len = len;
        mm->gap_hint_limit = limit;
    }
    return a;
}

/* The hint's own gap is a candidate beside the tree's (which leaves it
 * out); with the hint's limit and at least its length nothing above it
 * fits, so when it fits it is the answer. */
uint64 vma_find_gap(struct mm *mm, uint64 len, uint64 limit)
{
    if (len == 0 || limit < VMA_FLOOR || limit - VMA_FLOOR < len)
        return 0;
    struct vma *hint = mm->gap_hint;
    uint64 a = hint ? fit_below(hint, len, limit) : 0;
    if (a && limit == mm->gap_hint_limit && len >= mm->gap_hint_len)
        return a;
    return find_gap_slow(mm, len, limit, a);
}

/* ---- checks -------------------------------------------------------------- */

/* v's height as its parent's must count it: none for the pending leaf. */
static int counted_height(const struct mm *mm, const struct vma *v)
{
    return v == mm->unbalanced ? 0 : height(v);
}

/* Check the subtree at v (hanging from parent); returns its node count, or
 * -1 after a report. */
static long check_node(const struct mm *mm, const struct vma *v, const struct vma *parent,
                       uint64 lo, uint64 hi)
{
    if (!v)
        return 0;
    if (v->start < lo || v->end > hi || v->start >= v->end || (v->start | v->end) & PAGE_MASK ||
        v->parent != parent) {
        kprintf("vma: [0x%lx-0x%lx) out of order, malformed or misparented\n", v->start, v->end);
        return -1;
    }
    long l = check_node(mm, v->left, v, lo, v->start), r = check_node(mm, v->right, v, v->end, hi);
    if (l < 0 || r < 0)
        return -1;
    int hl = counted_height(mm, v->left), hr = counted_height(mm, v->right);
    if (v->height != 1 + (hl > hr ? hl : hr) || hl - hr > 1 || hr - hl > 1 ||
        (v == mm->unbalanced && (v->left || v->right)) ||
        v->gap != gap_below(v) || v->max_gap != max_gap_of(mm, v)) {
        kprintf("vma: [0x%lx-0x%lx) bad height, balance or gap\n", v->start, v->end);
        return -1;
    }
    return 1 + l + r;
}

/* The gap hint is in the tree and no gap above it fits its length; 0 or
 * -MM_EINVAL after a report. */
static int check_hint(struct mm *mm)
{
    struct vma *h = mm->gap_hint, *w;
    if (!h)
        return 0;
    if (lookup(mm, h->start) != h) {
        kprintf("vma: the gap hint is not in the tree\n");
        return -MM_EINVAL;
    }
    uint64 len = mm->gap_hint_len, limit = mm->gap_hint_limit;
    for (w = h->next; w && !fit_below(w, len, limit); w = w->next)
        ;
    struct vma *last = w ? w : h;
    while (!w && last->next)
        last = last->next;
    if (w || (limit > last->end && limit - last->end >= len)) {
        kprintf("vma: a gap above the hint at 0x%lx fits %lu bytes\n", h->start, len);
        return -MM_EINVAL;
    }
    return 0;
}

int vma_check(struct mm *mm)
{
    long n = check_node(mm, mm->root, NULL, VMA_FLOOR, USER_END);
    uint64 count = 0;
    for (struct vma *v = mm->first; v; v = v->next, count++) {
        if ((v->next && (v->next->prev != v || v->next->start < v->end)) || lookup(mm, v->start) != v) {
            kprintf("vma: list broken at [0x%lx-0x%lx)\n", v->start, v->end);
            return -MM_EINVAL;
        }
    }
    if (n < 0 || (uint64)n != mm->nr_vmas || count != mm->nr_vmas) {
        kprintf("vma: %ld in tree, %lu in list, %lu counted\n", n, count, mm->nr_vmas);
        return -MM_EINVAL;
    }
    return check_hint(mm);
}
