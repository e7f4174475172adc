/* VMAs: an AVL tree keyed by start address, with parent links, augmented
 * with the largest free gap in each subtree (O(log n) lookup and gap
 * search), plus an address-ordered list for neighbours; and split/merge on
 * top of them.
 *
 * A node's gap is the free space between its predecessor's end (or
 * VMA_FLOOR) and its start; max_gap is the largest gap in its subtree,
 * leaving out the gap hint's own gap (below).  Changing a node's start or
 * end changes its own or its successor's gap.  Every change ends with one
 * bottom-up pass from the lowest changed node (fix_up, or regauge when no
 * height changes): the nodes whose gap changed lie on that path (a
 * successor is an ancestor of a leaf inserted or removed below it, or the
 * node that takes a removed node's place), and the pass stops above them
 * at the first node that keeps its height and max_gap.
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
 *    (settle); a leaf removed before then needs no rebalancing at all.
 *    Only max_gap and the order matter to lookups and searches meanwhile. */
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

static inline uint64 max_gap_of(const struct mm *mm, const struct vma *v)
{
    return max_u64(own_gap(mm, v), max_u64(subtree_gap(v->left), subtree_gap(v->right)));
}

/* Recompute v's height and max_gap from its children. */
static inline void update(const struct mm *mm, struct vma *v)
{
    int hl = height(v->left), hr = height(v->right);
    v->height = 1 + (hl > hr ? hl : hr);
    v->max_gap = max_gap_of(mm, v);
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

/* Lift v's left child above v; returns it. */
static struct vma *rotate_right(struct mm *mm, struct vma *v)
{
    struct vma *l = v->left;
    replace_child(mm, v, l);
    v->left = l->right;
    if (v->left)
        v->left->parent = v;
    l->right = v;
    v->parent = l;
    update(mm, v);
    update(mm, l);
    return l;
}

/* Lift v's right child above v; returns it. */
static struct vma *rotate_left(struct mm *mm, struct vma *v)
{
    struct vma *r = v->right;
    replace_child(mm, v, r);
    v->right = r->left;
    if (v->right)
        v->right->parent = v;
    r->left = v;
    v->parent = r;
    update(mm, v);
    update(mm, r);
    return r;
}

/* Restore the AVL balance at v, whose children (balanced, up to date)
 * differ in height by 2; returns the node now at v's place. */
static struct vma *rebalance(struct mm *mm, struct vma *v)
{
    if (height(v->left) > height(v->right)) {
        if (height(v->left->left) < height(v->left->right))
            rotate_left(mm, v->left);
        return rotate_right(mm, v);
    }
    if (height(v->right->right) < height(v->right->left))
        rotate_right(mm, v->right);
    return rotate_left(mm, v);
}

static void fix_up(struct mm *mm, struct vma *x, const struct vma *through);

/* fix_up's step at x, whose children differ in height by 2, and on up
 * (apart, so that fix_up's own loop makes no call). */
static __attribute__((noinline)) void fix_up_rotating(struct mm *mm, struct vma *x,
                                                      const struct vma *through)
{
    fix_up(mm, rebalance(mm, x)->parent, through);
}

/* Re-augment (max_gap only) from c's parent up: c's max_gap was old, and
 * no height changes.  Mostly the value coming up from the child decides;
 * through as for fix_up. */
static void regauge(struct mm *mm, struct vma *c, uint64 old, const struct vma *through)
{
    for (struct vma *p = c->parent; p; c = p, p = p->parent) {
        uint64 was = p->max_gap, now = c->max_gap, g;
        if (p == through) {
            g = max_gap_of(mm, p);
            through = NULL;
        } else if (now >= was) {
            g = now;            /* the child's grew past (or kept) the maximum */
        } else if (old < was) {
            g = was;            /* the maximum was never the child's */
        } else {
            g = max_gap_of(mm, p);
        }
        if (!through && g == was)
            return;
        p->max_gap = g;
        old = was;
    }
}

/* Rebalance and re-augment from x towards the root.  through is the highest
 * node on that path whose own gap (as max_gap counts it) changed, or NULL;
 * the fields of through and of the nodes below it are exact or still what
 * their parents were computed from.  Heights first, with rotations, while
 * they change; then max_gap alone.  Above through, the pass stops at the
 * first node that keeps both. */
static void fix_up(struct mm *mm, struct vma *x, const struct vma *through)
{
    uint64 old;                 /* the max_gap x's parent was computed from */
    for (;; x = x->parent) {
        if (!x)
            return;
        struct vma *l = x->left, *r = x->right;
        int hl = height(l), hr = height(r), h = x->height;
        if (x == through)
            through = NULL;     /* passed: from here on, stop when nothing changes */
        if ((unsigned)(hl - hr + 1) > 2) {
            fix_up_rotating(mm, x, through);
            return;
        }
        old = x->max_gap;
        x->height = 1 + (hl > hr ? hl : hr);
        x->max_gap = max_gap_of(mm, x);
        if (x->height == h)
            break;
    }
    if (through || x->max_gap != old)
        regauge(mm, x, old, through);
}

/* Count the pending leaf (mm->unbalanced) in its ancestors' heights,
 * rebalancing: before any other change to the tree's shape. */
static void settle(struct mm *mm)
{
    struct vma *u = mm->unbalanced;
    if (u) {
        mm->unbalanced = NULL;
        fix_up(mm, u->parent, NULL);
    }
}

/* Re-augment from v (may be NULL) up after its own gap changed, or started
 * or stopped counting; the tree's shape is as it was. */
static void recount(struct mm *mm, struct vma *v)
{
    for (; v; v = v->parent) {
        uint64 g = max_gap_of(mm, v);
        if (g == v->max_gap)
            return;
        v->max_gap = g;
    }
}

/* Make h (may be NULL) the gap hint; the caller sets its length and limit. */
static void set_hint(struct mm *mm, struct vma *h)
{
    struct vma *old = mm->gap_hint;
    if (old == h)
        return;
    mm->gap_hint = h;
    recount(mm, old);
    recount(mm, h);
}

static uint64 gap_below(const struct vma *v)
{
    uint64 floor = v->prev ? v->prev->end : VMA_FLOOR;
    return v->start > floor ? v->start - floor : 0;
}

/* Recompute the gap of v (may be NULL) after its predecessor changed;
 * returns v when the gap changed (fix_up must pass it), else NULL. */
static struct vma *regap(struct vma *v)
{
    if (!v)
        return NULL;
    uint64 g = gap_below(v);
    if (g == v->gap)
        return NULL;
    v->gap = g;
    return v;
}

/* The VMA containing addr, or NULL; no side effect but the cache. */
static struct vma *lookup(struct mm *mm, uint64 addr)
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

/* Link v (its range set) between its list neighbours prev and next (either
 * may be NULL): as next's left child when that is free, else as prev's
 * right child, which then is (prev is the largest node of next's left
 * subtree, or of the whole tree).  The new leaf's gaps are counted at once,
 * its height only by the next change (settle): a leaf that goes again
 * before then, as many a fresh mapping does, never costs a rebalance. */
static void link_between(struct mm *mm, struct vma *v, struct vma *prev, struct vma *next);

/* link_between after settling the pending leaf (apart, so that
 * link_between itself makes no call but its last). */
static __attribute__((noinline)) void link_settled(struct mm *mm, struct vma *v, struct vma *prev,
                                                   struct vma *next)
{
    settle(mm);
    link_between(mm, v, prev, next);
}

static void link_between(struct mm *mm, struct vma *v, struct vma *prev, struct vma *next)
{
    if (mm->unbalanced) {
        link_settled(mm, v, prev, next);
        return;
    }
    v->prev = prev;
    v->next = next;
    if (prev)
        prev->next = v;
    else
        mm->first = v;
    if (next)
        next->prev = v;
    v->left = v->right = NULL;
    v->height = 1;
    v->gap = gap_below(v);
    mm->nr_vmas++;

    struct vma *through = regap(next);
    if (next && next == mm->gap_hint && v->end >= min_u64(next->start, mm->gap_hint_limit)) {
        mm->gap_hint = v;               /* nothing fits above v: v takes the hint */
        through = next;                 /* and next's gap counts again */
    }
    v->max_gap = own_gap(mm, v);
    struct vma *parent = next && !next->left ? next : prev;
    v->parent = parent;
    if (!parent)
        mm->root = v;
    else if (parent == next)
        next->left = v;
    else
        prev->right = v;
    mm->unbalanced = v;
    regauge(mm, v, 0, through);
}

/* The VMA just above the free range [start, end), or NULL. */
static inline struct vma *above(struct mm *mm, uint64 start, uint64 end)
{
    struct vma *h = mm->gap_hint, *next = NULL;
    if (h && end <= h->start && start >= h->start - h->gap)
        return h;                       /* in the hint's gap */
    for (struct vma *w = mm->root; w;) {
        if (start < w->start) {
            next = w;
            w = w->left;
        } else {
            w = w->right;
        }
    }
    return next;
}

/* The VMA just below the VMA or free range whose successor is next. */
static inline struct vma *below(struct mm *mm, struct vma *next)
{
    struct vma *last = mm->root;
    if (next)
        return next->prev;
    while (last && last->right)
        last = last->right;
    return last;
}

void vma_insert(struct mm *mm, struct vma *v)
{
    struct vma *next = above(mm, v->start, v->end);
    link_between(mm, v, below(mm, next), next);
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

/* vma_remove of the pending leaf: only gaps to recount. */
static void remove_unbalanced(struct mm *mm, struct vma *v, struct vma *through)
{
    struct vma *p = v->parent;
    mm->unbalanced = NULL;
    *link_of(mm, v) = NULL;
    if (!p)
        return;
    uint64 was = p->max_gap;
    p->max_gap = max_gap_of(mm, p);
    if (p == through)
        through = NULL;
    if (through || p->max_gap != was)
        regauge(mm, p, was, through);
}

/* Whether removing v grows a gap above the gap hint: v lies above it and
 * its predecessor does not cover it already (as when merging). */
static bool frees_above_hint(const struct mm *mm, const struct vma *v)
{
    const struct vma *h = mm->gap_hint;
    return h && h != v && v->start > h->start && !(v->prev && v->prev->end >= v->end);
}

/* vma_remove's work that calls out, before it: settle another pending
 * leaf; v must be in the tree; the hint goes if v's space above it frees. */
static __attribute__((noinline)) void remove_slow(struct mm *mm, struct vma *v)
{
    settle(mm);
    if (*link_of(mm, v) != v)
        panic("vma_remove: [0x%lx-0x%lx) is not in the tree", v->start, v->end);
    if (frees_above_hint(mm, v))
        set_hint(mm, NULL);
    vma_remove(mm, v);
}

static void detach(struct mm *mm, struct vma *v, struct vma *next, struct vma *through);

void vma_remove(struct mm *mm, struct vma *v)
{
    struct vma *next = v->next, *hint = mm->gap_hint;
    bool pending = v == mm->unbalanced;
    if ((mm->unbalanced && !pending) || *link_of(mm, v) != v || frees_above_hint(mm, v)) {
        remove_slow(mm, v);
        return;
    }
    unlist(mm, v);
    struct vma *through = regap(next);
    if (v == hint) {
        mm->gap_hint = next;            /* the gaps above next stay as they were */
        through = next;                 /* and next's own gap stops counting */
    }
    if (pending)
        remove_unbalanced(mm, v, through);
    else
        detach(mm, v, next, through);
}

/* Take v, which is not the pending leaf, out of the tree and rebalance; next
 * is its successor, through as for fix_up. */
static void detach(struct mm *mm, struct vma *v, struct vma *next, struct vma *through)
{
    struct vma *x;
    if (!v->left || !v->right) {
        struct vma *c = v->left ? v->left : v->right;     /* a leaf (AVL), maybe next */
        replace_child(mm, v, c);
        if (c)
            update(mm, c);
        if (through == c)
            through = NULL;             /* re-augmented already, below x */
        x = v->parent;
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
        m->height = v->height;          /* as v was, for fix_up */
        m->max_gap = v->max_gap;
        through = m;
    }
    fix_up(mm, x, through);
}

void vma_set_end(struct mm *mm, struct vma *v, uint64 end)
{
    struct vma *h = mm->gap_hint;
    if (h && end < v->end && v->start >= h->start)
        set_hint(mm, NULL);             /* a gap above the hint grows */
    v->end = end;
    recount(mm, regap(v->next));
}

void vma_set_start(struct mm *mm, struct vma *v, uint64 start)
{
    struct vma *h = mm->gap_hint;
    if (h && start > v->start && v != h && v->start > h->start)
        set_hint(mm, NULL);             /* a gap above the hint grows */
    v->start = start;
    recount(mm, regap(v));
}

struct vma *vma_split(struct mm *mm, struct vma *v, uint64 addr, struct vma *spare)
{
    *spare = *v;
    spare->start = addr;
    v->end = addr;
    link_between(mm, spare, v, v->next);    /* the successor's gap is unchanged */
    return spare;
}

/* Grow a over its successor b (vma_mergeable) and free b.  a covers b
 * first, so no gap changes on the way. */
static void absorb(struct mm *mm, struct vma *a, struct vma *b)
{
    a->fresh = a->fresh && b->fresh;
    a->end = b->end;
    vma_remove(mm, b);
    vma_free(b);
}

/* vma_add when v merges with prev, next or both (vma_mergeable). */
static __attribute__((noinline)) struct vma *grow_over(struct mm *mm, struct vma *v,
                                                       struct vma *prev, struct vma *next)
{
    struct vma *keep = vma_mergeable(prev, v) ? prev : next;
    keep->fresh = keep->fresh && v->fresh;
    if (keep == next)
        vma_set_start(mm, next, v->start);
    else if (vma_mergeable(v, next))
        absorb(mm, prev, next);         /* next's gap, v's range, goes with it */
    else
        vma_set_end(mm, prev, v->end);
    vma_free(v);
    return mm->cache = keep;    /* the likeliest next lookup: its first fault, or its munmap */
}

struct vma *vma_add(struct mm *mm, struct vma *v)
{
    struct vma *next = above(mm, v->start, v->end), *prev = below(mm, next);
    if (vma_mergeable(prev, v) || vma_mergeable(v, next))
        return grow_over(mm, v, prev, next);
    mm->cache = v;
    link_between(mm, v, prev, next);
    return v;
}

struct vma *vma_merge(struct mm *mm, struct vma *v)
{
    if (vma_mergeable(v, v->next))
        absorb(mm, v, v->next);
    struct vma *p = v->prev;
    if (vma_mergeable(p, v)) {
        absorb(mm, p, v);
        v = p;
    }
    return v;
}

/* The node to search after v's subtree (gaps higher than v's own gap and
 * v's left subtree were searched): the first ancestor reached from its
 * right child, or NULL. */
static struct vma *climb(struct vma *v)
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
            v = climb(v);
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

/* Contract in mm_internal.h.  The hint's own gap is a candidate beside the
 * tree's (which leaves it out); with the hint's limit and at least its
 * length nothing above it fits, so when it fits it is the answer. */
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

/* v's height as its parent's must count it: none for the pending leaf. */
static int counted_height(const struct mm *mm, const struct vma *v)
{
    return v == mm->unbalanced ? 0 : height(v);
}

const char *vma_perms(const struct vma *v)
{
    static const char *const names[8] = { "---", "r--", "-w-", "rw-", "--x", "r-x", "-wx", "rwx" };
    return names[v->prot & 7];
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
