/* Host test support: the reference model of the mmap family and of page
 * faults over a window of one address space (see mm_model.h).
 *
 * The model follows libmm's documented rules: Linux's error order for each
 * call, mmap placement from the top of the free space below mmap_base, VMAs
 * split where a call's range cuts them and merged with a neighbour of the
 * same protection and kind when a call creates, re-protects or grows a range
 * (an mremap that grows in place merges with the VMA it reaches), and
 * anonymous memory that reads zero until written.  After a copy (fork)
 * every page keeps its contents in each space, and a page that was present
 * stays copy-on-write until written there: uvmcopy's contract (mm/vm.h),
 * which makes MAP_SHARED pages copy-on-write too.  The heap (brk) follows
 * uvm_set_brk's contract (mm/uvm.h) and Linux's rule: see mm_model.h. */
#include "mm_model.h"
#include "sim.h"
#include "space.h"
#include "sv39_check.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arch/layout.h>
#include <arch/mmu.h>
#include <mm/errno.h>
#include <mm/fault.h>
#include <mm/mmap.h>
#include <mm/page.h>
#include <mm/uvm.h>
#include <mm/vm.h>

#include "mm_internal.h"
#include "words.h"

#define PROT_RWX            (MM_PROT_READ | MM_PROT_WRITE | MM_PROT_EXEC)
#define FENCE_KIND          0xffu           /* never equal to a mapping's kind: never merges */
#define ACCESS_MAX_PAGES    16              /* pages one MODEL_ACCESS touches */
#define HOT_PAGES           256             /* "near the top": where mmap places first */
#define BLOCK_PAGES         512             /* a 2 MiB block */
#define COPY_SELECTOR       250             /* first byte from which (with copies) an op is a fork, ... */

static const char fence_name[] = "model fence";
/* Where a write leaves its tag in the page, and where checks look for it. */
static const unsigned tag_offsets[] = { 0, 1234, PAGE_SIZE - 1 };

static const char *mismatch(struct mm_model *m, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(m->why, sizeof m->why, fmt, ap);
    va_end(ap);
    return m->why;
}

static uint64_t va_of(const struct mm_model *m, uint64_t page)
{
    return m->base + page * PAGE_SIZE;
}

static uint64_t root_pa(const struct mm_model *m)
{
    return virt_to_phys((uint64)m->mm->pt);
}

static const char *perms_str(unsigned prot)
{
    static const char *const s[8] = { "---", "r--", "-w-", "rw-", "--x", "r-x", "-wx", "rwx" };
    return s[prot & 7];
}

/* ---- the model's own rules ------------------------------------------------ */

static bool range_free(const struct mm_model *m, uint64_t p, uint64_t n)
{
    for (uint64_t i = p; i < p + n; i++)
        if (m->pg[i].mapped)
            return false;
    return true;
}

/* The page after the last page of the VMA holding page p (mapped). */
static uint64_t vma_end_page(const struct mm_model *m, uint64_t p)
{
    uint64_t q = p + 1;
    while (q < m->npages && m->pg[q].mapped && !m->pg[q].vma_start)
        q++;
    return q;
}

/* Whether two pages' VMAs would merge: the same protection and kind, and
 * not the heap (vma_mergeable never merges it). */
static bool same_kind(const struct model_page *a, const struct model_page *b)
{
    return a->mapped && b->mapped && a->prot == b->prot && a->kind == b->kind &&
           !(a->kind & MODEL_HEAP);
}

/* Widen the pages model_check_touched() looks at to [p - 1, p + n + 1). */
static void touch(struct mm_model *m, uint64_t p, uint64_t n)
{
    uint64_t lo = p > 1 ? p - 1 : 1, hi = min_u64(p + n + 1, m->npages);
    if (m->touched_lo >= m->touched_hi) {
        m->touched_lo = lo;
        m->touched_hi = hi;
    }
    m->touched_lo = lo < m->touched_lo ? lo : m->touched_lo;
    m->touched_hi = hi > m->touched_hi ? hi : m->touched_hi;
}

/* vma_merge() of the VMA [p, p + n): with the one after, then the one before. */
static void merge_edges(struct mm_model *m, uint64_t p, uint64_t n)
{
    if (p + n < m->npages && same_kind(&m->pg[p + n - 1], &m->pg[p + n]))
        m->pg[p + n].vma_start = 0;
    if (same_kind(&m->pg[p - 1], &m->pg[p]))
        m->pg[p].vma_start = 0;
}

/* mm_map_range() of the free range [p, p + n). */
static void map_vma(struct mm_model *m, uint64_t p, uint64_t n, unsigned prot, unsigned kind)
{
    touch(m, p, n);
    for (uint64_t i = p; i < p + n; i++)
        m->pg[i] = (struct model_page){ 1, (uint8_t)prot, (uint8_t)kind, i == p, 0, 0 };
    merge_edges(m, p, n);
}

/* mm_unmap_range() of [p, p + n): the VMA after it starts at p + n. */
static void unmap_pages(struct mm_model *m, uint64_t p, uint64_t n)
{
    if (n == 0)
        return;
    touch(m, p, n);
    memset(m->pg + p, 0, n * sizeof *m->pg);
    if (p + n < m->npages && m->pg[p + n].mapped)
        m->pg[p + n].vma_start = 1;
}

/* Where mmap without MAP_FIXED puts n pages: the highest free run of the
 * window; false when there is none (then it goes just below the fence). */
static bool place_anywhere(const struct mm_model *m, uint64_t n, uint64_t *page)
{
    uint64_t run = 0;
    for (uint64_t q = m->npages; q-- > 1;) {
        run = m->pg[q].mapped ? 0 : run + 1;
        if (run >= n) {
            *page = q;
            return true;
        }
    }
    return false;
}

static uint32 kind_flags(unsigned kind)
{
    return ((kind & MODEL_SHARED) ? VMA_SHARED : 0) | ((kind & MODEL_STACK) ? VMA_STACK : 0) |
           ((kind & MODEL_HEAP) ? VMA_HEAP : 0);
}

static const char *kind_name(unsigned kind)
{
    if (kind == FENCE_KIND)
        return fence_name;
    if (kind & (MODEL_HEAP | MODEL_HEAP_NAME))
        return "heap";
    if (kind & MODEL_STACK)
        return "mmap stack";
    return (kind & MODEL_SHARED) ? "mmap shared" : "mmap";
}

/* ---- checking pages against the model ----------------------------------- */

/* The tag bytes of the frame at pa hold tag. */
static const char *check_tag(struct mm_model *m, uint64_t page, uint64_t pa, uint8_t tag)
{
    const uint8_t *k = sim_pa(pa & ~PAGE_MASK);
    for (unsigned i = 0; i < sizeof tag_offsets / sizeof tag_offsets[0]; i++)
        if (k[tag_offsets[i]] != tag)
            return mismatch(m, "page %lu (va 0x%lx): byte %u is 0x%02x, the model says 0x%02x",
                            (unsigned long)page, (unsigned long)va_of(m, page), tag_offsets[i],
                            k[tag_offsets[i]], tag);
    return NULL;
}

static const char *check_zero_frame(struct mm_model *m, const char *what, uint64_t pa)
{
    const uint8_t *k = sim_pa(pa & ~PAGE_MASK);
    for (unsigned i = 0; i < PAGE_SIZE; i++)
        if (k[i])
            return mismatch(m, "%s: byte %u of frame 0x%lx is 0x%02x, not zero", what, i,
                            (unsigned long)pa, k[i]);
    return NULL;
}

/* Mapped page p, present with leaf pte mapping frame pa, allowing perms
 * (SV39_*, as the walker says): permissions, copy-on-write only on the zero
 * page and on pages shared by a copy, one reference per private frame (at
 * least one on a shared frame: model_check counts them exactly), contents.
 * Counts the zero-page leaves in *zero_leaves. */
static const char *check_present(struct mm_model *m, uint64_t p, uint64_t pte, uint64_t pa,
                                 unsigned perms, uint64_t *zero_leaves)
{
    const struct model_page *pg = &m->pg[p];
    bool cow = pte & PTE_SW0, zero = pa == virt_to_phys((uint64)mm_zero_page());
    unsigned want = 0;

    if (!pg->mapped)
        return mismatch(m, "page %lu (va 0x%lx) is not mapped but has leaf 0x%lx",
                        (unsigned long)p, (unsigned long)va_of(m, p), (unsigned long)pte);
    if (pg->prot != MM_PROT_NONE)
        want = SV39_READ | ((pg->prot & MM_PROT_WRITE) && !cow ? SV39_WRITE : 0) |
               ((pg->prot & MM_PROT_EXEC) ? SV39_EXEC : 0);
    if (perms != want || !(pte & PTE_U) != (pg->prot != MM_PROT_NONE))
        return mismatch(m, "page %lu (va 0x%lx, %s): leaf 0x%lx allows %#x, want %#x%s",
                        (unsigned long)p, (unsigned long)va_of(m, p), perms_str(pg->prot),
                        (unsigned long)pte, perms, want,
                        pg->prot == MM_PROT_NONE ? " with U set" : " with U clear");
    if (cow != (zero || pg->cow))
        return mismatch(m, "page %lu: leaf 0x%lx %s the zero page, %s shared by a copy, but is%s "
                        "copy-on-write", (unsigned long)p, (unsigned long)pte,
                        zero ? "maps" : "does not map", pg->cow ? "was" : "was not", cow ? "" : " not");
    if (zero) {
        ++*zero_leaves;
        if (pg->tag)
            return mismatch(m, "page %lu: written (tag 0x%02x) but maps the zero page",
                            (unsigned long)p, pg->tag);
        return NULL;
    }
    uint32_t refs = page_refcount((void *)phys_to_virt(pa));
    if (cow ? refs == 0 : refs != 1)
        return mismatch(m, "page %lu: frame 0x%lx has %u references, want %s", (unsigned long)p,
                        (unsigned long)pa, refs, cow ? "at least 1 (shared by a copy)" : "1 (private)");
    return check_tag(m, p, pa, pg->tag);
}

/* One 4 KiB frame that a leaf maps, for the reference-count census. */
struct frame_use {
    uint64_t pa;
    bool     big;           /* through a 2 MiB leaf */
};

/* What the walk over every leaf found. */
struct leaf_census {
    struct mm_model *m;
    uint64_t present;       /* 4 KiB pages the leaves cover (all spaces) */
    uint64_t tagged;        /* ... of which the model says were written (this space) */
    uint64_t shared;        /* ... of which the model says are shared by a copy (this space) */
    uint64_t zero_leaves;   /* leaves that map the zero page (all spaces) */
    struct frame_use *uses; /* the frames the other leaves map (all spaces) */
    uint64_t nuses, cap;
    const char *bad;
};

static void note_use(struct leaf_census *c, uint64_t pa, bool big)
{
    if (c->nuses == c->cap) {
        c->cap = c->cap ? 2 * c->cap : 4096;
        c->uses = realloc(c->uses, c->cap * sizeof *c->uses);
        if (!c->uses)
            abort();
    }
    c->uses[c->nuses++] = (struct frame_use){ pa, big };
}

static void check_leaf(void *ctx, uint64_t va, uint64_t pa, uint64_t pte, int level)
{
    struct leaf_census *c = ctx;
    struct mm_model *m = c->m;
    uint64_t pages = 1UL << (9 * level), zero = virt_to_phys((uint64)mm_zero_page());

    if (c->bad)
        return;
    if (va < va_of(m, 1) || va + pages * PAGE_SIZE > va_of(m, m->npages)) {
        c->bad = mismatch(m, "a leaf maps va 0x%lx (level %d) outside the window's pages",
                          (unsigned long)va, level);
        return;
    }
    unsigned perms = sv39_perms(root_pa(m), va, NULL);
    for (uint64_t i = 0, p = (va - m->base) / PAGE_SIZE; i < pages && !c->bad; i++, p++) {
        c->bad = check_present(m, p, pte, pa + i * PAGE_SIZE, perms, &c->zero_leaves);
        c->present++;
        c->tagged += m->pg[p].tag != 0;
        c->shared += m->pg[p].cow;
        if (pa + i * PAGE_SIZE != zero)
            note_use(c, pa + i * PAGE_SIZE, level > 0);
    }
}

static int by_pa(const void *a, const void *b)
{
    uint64_t x = ((const struct frame_use *)a)->pa, y = ((const struct frame_use *)b)->pa;
    return (x > y) - (x < y);
}

/* Every frame's reference count is the number of 4 KiB leaves that map it
 * in all spaces, plus one for all the 2 MiB leaves that map its block
 * (vm.c's rule for sharing a 2 MiB leaf). */
static const char *check_refcounts(struct mm_model *m, struct leaf_census *c)
{
    if (c->nuses)
        qsort(c->uses, c->nuses, sizeof *c->uses, by_pa);
    for (uint64_t i = 0, j; i < c->nuses; i = j) {
        uint32_t small = 0, big = 0;
        for (j = i; j < c->nuses && c->uses[j].pa == c->uses[i].pa; j++) {
            small += !c->uses[j].big;
            big += c->uses[j].big;
        }
        uint32_t want = small + (big > 0), refs = page_refcount((void *)phys_to_virt(c->uses[i].pa));
        if (refs != want)
            return mismatch(m, "frame 0x%lx has %u references, want %u: %u 4 KiB leaves and %u "
                            "2 MiB leaves map it in %u spaces", (unsigned long)c->uses[i].pa, refs,
                            want, small, big, m->nspaces);
    }
    return NULL;
}

/* Make space i the model's current one (libmm's: model_apply does that). */
static void select_space(struct mm_model *m, unsigned i)
{
    m->cur = i;
    m->mm = m->space[i].mm;
    m->pg = m->space[i].pg;
}

/* The mismatch bad (in m->why), naming space i when there are several
 * (cur is the current one). */
static const char *in_space(struct mm_model *m, unsigned i, unsigned cur, const char *bad)
{
    char tmp[sizeof m->why];

    if (!bad || m->nspaces == 1)
        return bad;
    snprintf(tmp, sizeof tmp, "space %u of %u (current %u): %s", i, m->nspaces, cur, bad);
    memcpy(m->why, tmp, sizeof m->why);
    return m->why;
}

/* The VMA list: the fence, then the model's VMAs, and nothing else. */
static const char *check_vmas(struct mm_model *m)
{
    struct vma *v = m->mm->first;
    uint64_t count = 1;

    if (!v || v->start != m->base || v->end != va_of(m, 1) || v->name != fence_name || v->prev)
        return mismatch(m, "the first VMA is not the fence at 0x%lx", (unsigned long)m->base);
    for (uint64_t p = 1; p < m->npages;) {
        const struct model_page *pg = &m->pg[p];
        if (!pg->mapped) {
            p++;
            continue;
        }
        uint64_t e = vma_end_page(m, p);
        v = v->next;
        count++;
        if (!v || v->start != va_of(m, p) || v->end != va_of(m, e) || v->prot != pg->prot ||
            v->flags != kind_flags(pg->kind) || strcmp(v->name, kind_name(pg->kind)) != 0)
            return mismatch(m, "VMA %lu: model [0x%lx-0x%lx) %s %s, libmm %s", (unsigned long)count,
                            (unsigned long)va_of(m, p), (unsigned long)va_of(m, e),
                            perms_str(pg->prot), kind_name(pg->kind),
                            v ? "differs (see the list)" : "has no more VMAs");
        p = e;
    }
    if (v->next)
        return mismatch(m, "libmm has a VMA the model lacks at [0x%lx-0x%lx)",
                        (unsigned long)v->next->start, (unsigned long)v->next->end);
    if (m->mm->nr_vmas != count)
        return mismatch(m, "nr_vmas %lu, the model has %lu", (unsigned long)m->mm->nr_vmas,
                        (unsigned long)count);
    return NULL;
}

/* The break and the heap's start are where the model expects them. */
static const char *check_brk(struct mm_model *m)
{
    if (m->mm->brk != m->space[m->cur].brk || m->mm->heap_start != m->heap_start)
        return mismatch(m, "the break is 0x%lx (heap start 0x%lx), the model expects 0x%lx (0x%lx)",
                        (unsigned long)m->mm->brk, (unsigned long)m->mm->heap_start,
                        (unsigned long)m->space[m->cur].brk, (unsigned long)m->heap_start);
    return NULL;
}

/* model_check of the space the model has made current; its leaves join the
 * census c. */
static const char *check_space(struct mm_model *m, struct leaf_census *c)
{
    struct sv39_stats st;
    uint64_t tagged = 0, shared = 0;
    const char *bad;

    if (vma_check(m->mm) != 0)
        return mismatch(m, "vma_check failed (the tree or list is inconsistent)");
    if ((bad = check_vmas(m)) || (bad = check_brk(m)))
        return bad;
    c->m = m;
    c->tagged = c->shared = 0;
    sv39_walk_all(root_pa(m), check_leaf, c, &st);
    if (c->bad)
        return c->bad;
    if (st.malformed || st.wx_leaves)
        return mismatch(m, "%lu malformed leaves, %lu W+X leaves", (unsigned long)st.malformed,
                        (unsigned long)st.wx_leaves);
    for (uint64_t p = 1; p < m->npages; p++) {
        tagged += m->pg[p].tag != 0;
        shared += m->pg[p].cow;
    }
    if (tagged != c->tagged)
        return mismatch(m, "%lu pages were written but only %lu of them have a leaf",
                        (unsigned long)tagged, (unsigned long)c->tagged);
    if (shared != c->shared)
        return mismatch(m, "%lu pages are shared by a copy but only %lu of them have a leaf",
                        (unsigned long)shared, (unsigned long)c->shared);
    return NULL;
}

const char *model_check(struct mm_model *m)
{
    struct leaf_census c = { .m = m };
    unsigned cur = m->cur;
    const char *bad = NULL;

    for (unsigned i = 0; i < m->nspaces && !bad; i++) {
        select_space(m, i);
        bad = in_space(m, i, cur, check_space(m, &c));
    }
    select_space(m, cur);
    if (!bad)
        bad = check_refcounts(m, &c);
    free(c.uses);
    if (bad)
        return bad;
    uint32_t refs = page_refcount(mm_zero_page());
    if (refs != m->zero_refs + c.zero_leaves)
        return mismatch(m, "the zero page has %u references, want %lu (%lu leaves map it)", refs,
                        (unsigned long)(m->zero_refs + c.zero_leaves), (unsigned long)c.zero_leaves);
    return check_zero_frame(m, "the zero page", virt_to_phys((uint64)mm_zero_page()));
}

/* model_check_touched of the space the model has made current. */
static const char *check_touched_space(struct mm_model *m)
{
    uint64_t zero_leaves = 0;
    const char *bad;

    if (vma_check(m->mm) != 0)
        return mismatch(m, "vma_check failed (the tree or list is inconsistent)");
    if ((bad = check_vmas(m)) || (bad = check_brk(m)))
        return bad;
    for (uint64_t p = m->touched_lo; p < m->touched_hi; p++) {
        struct sv39_xlate t = sv39_translate(root_pa(m), va_of(m, p), SV39_READ);
        if (!t.pte && (m->pg[p].tag || m->pg[p].cow))
            return mismatch(m, "page %lu was written (tag 0x%02x) or shared by a copy (%u) but "
                            "has no leaf", (unsigned long)p, m->pg[p].tag, m->pg[p].cow);
        if (t.pte && (bad = check_present(m, p, t.pte, t.pa, sv39_perms(root_pa(m), va_of(m, p), NULL),
                                          &zero_leaves)))
            return bad;
    }
    return NULL;
}

/* Every space: a write in the current one must not show in the others. */
const char *model_check_touched(struct mm_model *m)
{
    unsigned cur = m->cur;
    const char *bad = NULL;

    for (unsigned i = 0; i < m->nspaces && !bad; i++) {
        select_space(m, i);
        bad = in_space(m, i, cur, check_touched_space(m));
    }
    select_space(m, cur);
    return bad;
}

/* ---- the operations ------------------------------------------------------ */

static const char *expect(struct mm_model *m, const char *call, int64_t got, int64_t want)
{
    if (got == want)
        return NULL;
    return mismatch(m, "%s returned %ld (0x%lx), the model expects %ld (0x%lx)", call, (long)got,
                    (unsigned long)got, (long)want, (unsigned long)want);
}

/* expect() for a call, counting the calls the model expects to fail. */
static const char *expect_call(struct mm_model *m, const char *call, int64_t got, int64_t want)
{
    m->refused += want < 0;
    return expect(m, call, got, want);
}

/* A length of n pages less short_by bytes (0 stays 0). */
static uint64_t len_of(uint64_t n, unsigned short_by)
{
    return n ? n * PAGE_SIZE - short_by : 0;
}

/* After a mapping went below the fence (no room in the window): it is at
 * the address the model expects; its first moved pages hold tags[]; unmap it. */
static const char *check_outside(struct mm_model *m, uint64_t at, uint64_t n, unsigned prot,
                                 unsigned kind, const uint8_t *tags, uint64_t ntags)
{
    m->outside++;
    struct vma *v = vma_find(m->mm, at);
    if (!v || v->start != at || v->end != at + n * PAGE_SIZE || v->prot != prot ||
        v->flags != kind_flags(kind))
        return mismatch(m, "the mapping below the fence is not [0x%lx-0x%lx) %s",
                        (unsigned long)at, (unsigned long)(at + n * PAGE_SIZE), perms_str(prot));
    for (uint64_t i = 0; i < ntags; i++) {
        struct sv39_xlate t = sv39_translate(root_pa(m), at + i * PAGE_SIZE, SV39_READ);
        if (!t.pte && tags[i])
            return mismatch(m, "moved page %lu (tag 0x%02x) has no leaf", (unsigned long)i, tags[i]);
        const char *bad = t.pte ? check_tag(m, i, t.pa, tags[i]) : NULL;
        if (bad)
            return bad;
    }
    return expect(m, "munmap below the fence", mm_munmap(at, n * PAGE_SIZE), 0);
}

static const char *apply_mmap(struct mm_model *m, const struct model_op *op)
{
    uint64_t p = op->page, n = op->npages, len = len_of(n, op->short_by), at = 0;
    bool fixed = op->place == MODEL_FIXED || op->place == MODEL_NOREPLACE;
    int type = op->flags & MM_MAP_TYPE ? op->flags & MM_MAP_TYPE : MM_MAP_PRIVATE;
    int flags = MM_MAP_ANONYMOUS | type | (op->flags & (MM_MAP_STACK | MM_MAP_POPULATE | MM_MAP_GROWSDOWN)) |
                (op->place == MODEL_FIXED ? MM_MAP_FIXED : 0) |
                (op->place == MODEL_NOREPLACE ? MM_MAP_FIXED_NOREPLACE : 0);
    uint64_t addr = op->place == MODEL_ANYWHERE ? 0 : va_of(m, p) + op->misalign;
    unsigned kind = (type == MM_MAP_SHARED ? MODEL_SHARED : 0) | ((flags & MM_MAP_STACK) ? MODEL_STACK : 0);
    int64_t want;
    bool inside = true;

    if (len == 0 || (fixed && op->misalign))
        want = -MM_EINVAL;
    else if (op->place == MODEL_NOREPLACE && !range_free(m, p, n))
        want = -MM_EEXIST;
    else if ((type != MM_MAP_SHARED && type != MM_MAP_PRIVATE) ||
             (type == MM_MAP_SHARED && (flags & MM_MAP_GROWSDOWN)))
        want = -MM_EINVAL;
    else if ((op->prot & MM_PROT_WRITE) && (op->prot & MM_PROT_EXEC))
        want = -MM_EACCES;
    else {
        if (fixed || (op->place == MODEL_HINT && range_free(m, p, n)))
            at = p;
        else
            inside = place_anywhere(m, n, &at);
        want = inside ? (int64_t)va_of(m, at) : (int64_t)(m->base - n * PAGE_SIZE);
    }
    const char *bad = expect_call(m, "mmap", mm_mmap(addr, len, op->prot, flags, -1, 0), want);
    if (bad || want < 0)
        return bad;
    if (!inside)
        return check_outside(m, (uint64_t)want, n, (unsigned)op->prot & PROT_RWX, kind, NULL, 0);
    if (fixed)
        unmap_pages(m, p, n);
    map_vma(m, at, n, (unsigned)op->prot & PROT_RWX, kind);
    return NULL;
}

static const char *apply_munmap(struct mm_model *m, const struct model_op *op)
{
    uint64_t len = len_of(op->npages, op->short_by);
    int want = op->misalign || len == 0 ? -MM_EINVAL : 0;
    const char *bad = expect_call(m, "munmap", mm_munmap(va_of(m, op->page) + op->misalign, len), want);
    if (!bad && want == 0)
        unmap_pages(m, op->page, op->npages);
    return bad;
}

/* mm_mprotect's loop: VMA by VMA from page p; a hole stops it with
 * -MM_ENOMEM, the pieces before it changed (as on Linux). */
static int protect(struct mm_model *m, uint64_t p, uint64_t n, unsigned prot)
{
    for (uint64_t a = p; a < p + n;) {
        if (!m->pg[a].mapped)
            return -MM_ENOMEM;
        uint64_t b = min_u64(vma_end_page(m, a), p + n);
        if (m->pg[a].prot != prot) {
            m->pg[a].vma_start = 1;
            if (b < m->npages && m->pg[b].mapped)
                m->pg[b].vma_start = 1;
            for (uint64_t i = a; i < b; i++)
                m->pg[i].prot = (uint8_t)prot;
            merge_edges(m, a, b - a);
        }
        a = b;
    }
    return 0;
}

static const char *apply_mprotect(struct mm_model *m, const struct model_op *op)
{
    uint64_t len = len_of(op->npages, op->short_by);
    int want;

    if (op->misalign)
        want = -MM_EINVAL;
    else if (len == 0)
        want = 0;
    else if ((op->prot & MM_PROT_WRITE) && (op->prot & MM_PROT_EXEC))
        want = -MM_EACCES;
    else
        want = protect(m, op->page, op->npages, (unsigned)op->prot & PROT_RWX);
    return expect_call(m, "mprotect", mm_mprotect(va_of(m, op->page) + op->misalign, len, op->prot), want);
}

static bool advice_known(int advice)
{
    return (advice >= MM_MADV_NORMAL && advice <= MM_MADV_DONTNEED) ||
           (advice >= MM_MADV_FREE && advice <= MM_MADV_COLLAPSE);
}

/* madvise and msync: the range's pages with a hole give -MM_ENOMEM, the
 * mapped pages are still advised (DONTNEED and FREE drop their contents;
 * WILLNEED populates a writable page for a write, which ends its sharing). */
static const char *apply_advise(struct mm_model *m, const struct model_op *op)
{
    uint64_t len = len_of(op->npages, op->short_by), addr = va_of(m, op->page) + op->misalign;
    bool sync = op->kind == MODEL_MSYNC;
    int want = 0;

    if (sync ? (op->flags & ~(MM_MS_ASYNC | MM_MS_INVALIDATE | MM_MS_SYNC)) != 0 : !advice_known(op->flags))
        want = -MM_EINVAL;
    else if (op->misalign || (sync && (op->flags & MM_MS_ASYNC) && (op->flags & MM_MS_SYNC)))
        want = -MM_EINVAL;
    for (uint64_t i = op->page; want != -MM_EINVAL && i < op->page + op->npages && len; i++) {
        if (!m->pg[i].mapped)
            want = -MM_ENOMEM;
        else if (!sync && (op->flags == MM_MADV_DONTNEED || op->flags == MM_MADV_FREE))
            m->pg[i].tag = m->pg[i].cow = 0;
        else if (!sync && op->flags == MM_MADV_WILLNEED && (m->pg[i].prot & MM_PROT_WRITE))
            m->pg[i].cow = 0;
    }
    if (sync)
        return expect_call(m, "msync", mm_msync(addr, len, op->flags), want);
    return expect_call(m, "madvise", mm_madvise(addr, len, op->flags), want);
}

/* The kind of a mapping mremap moved: a heap piece stays named "heap" but
 * is no longer the heap (move_vma drops VMA_HEAP). */
static unsigned moved_kind(unsigned kind)
{
    return (kind & MODEL_HEAP) ? (kind & ~MODEL_HEAP) | MODEL_HEAP_NAME : kind;
}

/* mremap's move of [p, p + o) to the free range [q, q + n) in the window. */
static void move_pages(struct mm_model *m, uint64_t p, uint64_t o, uint64_t q, uint64_t n)
{
    struct model_page *was = malloc((o + 1) * sizeof *was);
    memcpy(was, m->pg + p, o * sizeof *was);
    map_vma(m, q, n, m->pg[p].prot, moved_kind(m->pg[p].kind));
    for (uint64_t i = 0; i < o; i++) {         /* the leaves move with their bits */
        m->pg[q + i].tag = was[i].tag;
        m->pg[q + i].cow = was[i].cow;
    }
    unmap_pages(m, p, o);
    free(was);
}

/* Whether [p, p + o) lies in one VMA (mremap's source). */
static bool in_one_vma(const struct mm_model *m, uint64_t p, uint64_t o)
{
    return m->pg[p].mapped && p + o <= vma_end_page(m, p);
}

/* mremap without MREMAP_FIXED, once the arguments are valid and it grows:
 * in place, or move (maybe below the fence: then *outside is set). */
static int64_t remap_in_place_or_move(struct mm_model *m, uint64_t p, uint64_t o, uint64_t n,
                                      int flags, bool *outside)
{
    uint64_t e = vma_end_page(m, p), q;

    if (p + o == e && range_free(m, e, n - o)) {
        touch(m, e, p + n - e);
        for (uint64_t i = e; i < p + n; i++)
            m->pg[i] = (struct model_page){ 1, m->pg[p].prot, m->pg[p].kind, 0, 0, 0 };
        merge_edges(m, e, p + n - e);       /* it merges with a VMA at p + n */
        return (int64_t)va_of(m, p);
    }
    if (!(flags & MM_MREMAP_MAYMOVE))
        return -MM_ENOMEM;
    if (place_anywhere(m, n, &q)) {
        move_pages(m, p, o, q, n);
        return (int64_t)va_of(m, q);
    }
    *outside = true;
    return (int64_t)(m->base - n * PAGE_SIZE);
}

static const char *apply_mremap(struct mm_model *m, const struct model_op *op)
{
    uint64_t p = op->page, o = op->npages, n = op->new_npages, q = op->new_page;
    uint64_t old_len = len_of(o, op->short_by), new_len = len_of(n, op->short_by);
    int flags = op->flags;
    bool outside = false;
    int64_t want;

    if ((flags & MM_MREMAP_FIXED) && !(flags & MM_MREMAP_MAYMOVE))
        want = -MM_EINVAL;
    else if ((flags & MM_MREMAP_DONTUNMAP) || op->misalign || n == 0)
        want = -MM_EINVAL;
    else if (flags & MM_MREMAP_FIXED) {
        if (p + o > q && q + n > p)
            want = -MM_EINVAL;
        else if (!in_one_vma(m, p, o))
            want = -MM_EFAULT;
        else if (o == 0) {      /* the target is unmapped first; the source may go with it */
            unmap_pages(m, q, n);
            want = q <= p && p < q + n ? -MM_EFAULT : -MM_EINVAL;
        } else {
            unmap_pages(m, q, n);
            if (o > n) {
                unmap_pages(m, p + n, o - n);
                o = n;
            }
            move_pages(m, p, o, q, n);
            want = (int64_t)va_of(m, q);
        }
    } else if (o >= n) {        /* a shrink is always allowed: the tail goes, whatever is there */
        unmap_pages(m, p + n, o - n);
        want = (int64_t)va_of(m, p);
    } else if (!in_one_vma(m, p, o))
        want = -MM_EFAULT;
    else if (o == 0)
        want = -MM_EINVAL;
    else
        want = remap_in_place_or_move(m, p, o, n, flags, &outside);

    uint8_t *tags = NULL;
    unsigned prot = m->pg[p].prot, kind = moved_kind(m->pg[p].kind);
    if (outside) {          /* the model's pages go; their tags must arrive below the fence */
        tags = malloc(o);
        for (uint64_t i = 0; i < o; i++)
            tags[i] = m->pg[p + i].tag;
        unmap_pages(m, p, o);
    }
    const char *bad = expect_call(m, "mremap", mm_mremap(va_of(m, p) + op->misalign, old_len, new_len, flags,
                                                    va_of(m, q)), want);
    if (!bad && outside)
        bad = check_outside(m, (uint64_t)want, n, prot, kind, tags, o);
    free(tags);
    return bad;
}

static unsigned sv39_access(int fault)
{
    return fault == FAULT_WRITE ? SV39_WRITE : fault == FAULT_EXEC ? SV39_EXEC : SV39_READ;
}

/* One access as the hart makes it: the MMU allows it, or it faults and
 * mm_handle_fault must resolve exactly the accesses the model allows. */
static const char *access_page(struct mm_model *m, uint64_t p, unsigned offset, int fault, uint8_t tag)
{
    const struct model_page *pg = &m->pg[p];
    uint64_t va = va_of(m, p) + offset;
    bool allowed = p > 0 && pg->mapped && pg->prot != MM_PROT_NONE &&
                   (fault != FAULT_WRITE || (pg->prot & MM_PROT_WRITE)) &&
                   (fault != FAULT_EXEC || (pg->prot & MM_PROT_EXEC));
    struct sv39_xlate t = sv39_translate(root_pa(m), va, sv39_access(fault));
    const char *bad;

    m->denied += !allowed;
    if (t.ok && !allowed)
        return mismatch(m, "the MMU allows access %d at page %lu (%s), which the model forbids",
                        fault, (unsigned long)p, pg->mapped ? perms_str(pg->prot) : "unmapped");
    if (!t.ok) {
        if ((bad = expect(m, "mm_handle_fault", mm_handle_fault(m->mm, va, (unsigned)fault),
                          allowed ? 0 : -MM_EFAULT)) || !allowed)
            return bad;
        t = sv39_translate(root_pa(m), va, sv39_access(fault));
        if (!t.ok)
            return mismatch(m, "access %d at page %lu still faults after mm_handle_fault: %s",
                            fault, (unsigned long)p, t.fault);
        if (!pg->tag && (bad = check_zero_frame(m, "a page the model says reads zero", t.pa)))
            return bad;
    }
    if ((bad = check_tag(m, p, t.pa, pg->tag)) || fault != FAULT_WRITE)
        return bad;             /* a copy-on-write fault kept the contents */
    uint8_t *k = sim_pa(t.pa & ~PAGE_MASK);
    for (unsigned i = 0; i < sizeof tag_offsets / sizeof tag_offsets[0]; i++)
        k[tag_offsets[i]] = tag;
    m->pg[p].tag = tag;
    m->pg[p].cow = 0;
    return NULL;
}

static const char *apply_access(struct mm_model *m, const struct model_op *op)
{
    uint8_t tag = op->tag ? op->tag : 0xa5;
    for (uint64_t i = 0; i < op->npages; i++) {
        const char *bad = access_page(m, op->page + i, op->misalign, op->prot, tag);
        if (bad)
            return bad;
    }
    return NULL;
}

/* ---- the heap (brk) -------------------------------------------------------- */

/* The break op asks for: any value for MODEL_BRK_HOSTILE; otherwise at
 * most the window's top (it may be below the heap's start). */
static uint64_t brk_target(const struct mm_model *m, const struct model_op *op)
{
    uint64_t brk = m->space[m->cur].brk, top = va_of(m, m->npages);
    uint64_t bytes = len_of(op->npages, op->short_by);
    const uint64_t hostile[MODEL_BRK_HOSTILE_VALUES] = {
        0, m->heap_start - 1, USER_END + 1, USER_END, UINT64_MAX, brk + (uint64_t)INT64_MIN,
    };

    switch (op->flags) {
    case MODEL_BRK_TO:     return va_of(m, op->page) + op->misalign;
    case MODEL_BRK_GROW:   return brk + bytes < top ? brk + bytes : top;
    case MODEL_BRK_SHRINK: return brk - bytes;
    default:               return hostile[op->npages % MODEL_BRK_HOSTILE_VALUES];
    }
}

/* Growth into the free pages [p, q): the heap VMA that ends at p grows when
 * it is read-write, else a new heap VMA starts at p (never merged). */
static void grow_heap(struct mm_model *m, uint64_t p, uint64_t q)
{
    uint64_t start = (m->heap_start - m->base) / PAGE_SIZE;
    const struct model_page *last = &m->pg[p - 1];

    if (p > start && last->mapped && (last->kind & MODEL_HEAP) && last->prot == (MM_PROT_READ | MM_PROT_WRITE)) {
        touch(m, p, q - p);
        for (uint64_t i = p; i < q; i++)
            m->pg[i] = (struct model_page){ 1, last->prot, last->kind, 0, 0, 0 };
        return;
    }
    map_vma(m, p, q - p, MM_PROT_READ | MM_PROT_WRITE, MODEL_HEAP | MODEL_HEAP_NAME);
}

/* uvm_set_brk: Linux's rule (mm_model.h).  The break is checked after the
 * call, refused or not. */
static const char *apply_brk(struct mm_model *m, const struct model_op *op)
{
    uint64_t *brk = &m->space[m->cur].brk, to = brk_target(m, op), top = va_of(m, m->npages);
    int64_t want = (int64_t)to;

    if (to < m->heap_start || to > USER_END) {
        want = -MM_ENOMEM;
    } else {
        uint64_t old_end = PGROUNDUP(*brk), new_end = PGROUNDUP(to);
        uint64_t p = (old_end - m->base) / PAGE_SIZE, q = (new_end - m->base) / PAGE_SIZE;
        if (new_end > top) {        /* only the hostile USER_END: more than RAM */
            if ((new_end - old_end) / PAGE_SIZE <= page_free_count())
                return mismatch(m, "the model cannot follow a break at 0x%lx: RAM could back it",
                                (unsigned long)to);
            want = -MM_ENOMEM;
        } else if (new_end > old_end && !range_free(m, p, q - p)) {
            want = -MM_ENOMEM;
        } else if (new_end > old_end) {
            grow_heap(m, p, q);
        } else {
            unmap_pages(m, q, p - q);
        }
    }
    const char *bad = expect_call(m, "uvm_set_brk", uvm_set_brk(to), want);
    if (bad)
        return bad;
    if (want >= 0) {
        *brk = to;
        m->brk_moves++;
    }
    if (uvm_brk() != *brk)
        return mismatch(m, "uvm_brk() is 0x%lx after uvm_set_brk(0x%lx), the model expects 0x%lx",
                        (unsigned long)uvm_brk(), (unsigned long)to, (unsigned long)*brk);
    return NULL;
}

/* ---- copies of the address space (fork) ------------------------------------ */

/* End space i: destroy it and drop it from the model.  The current space
 * stays current unless it is i; then space 0 is. */
static void end_space(struct mm_model *m, unsigned i)
{
    unsigned cur = m->cur;

    mm_destroy(m->space[i].mm);
    free(m->space[i].pg);
    memmove(&m->space[i], &m->space[i + 1], (m->nspaces - i - 1) * sizeof m->space[0]);
    m->nspaces--;
    m->exits++;
    select_space(m, cur == i ? 0 : cur > i ? cur - 1 : cur);
    mm_set_current(m->mm);
}

/* What uvmcopy made of a parent leaf, checked by fork_leaf. */
struct fork_census {
    struct mm_model *m;
    uint64_t child_root;
    struct model_page *child_pg;
    uint64_t leaves;
    const char *bad;
};

/* A leaf of the parent just after the copy: the child has the same entry
 * (same frame, bits and level), copy-on-write; its pages are now shared. */
static void fork_leaf(void *ctx, uint64_t va, uint64_t pa, uint64_t pte, int level)
{
    struct fork_census *f = ctx;
    struct mm_model *m = f->m;
    struct sv39_xlate t = sv39_translate(f->child_root, va, SV39_READ);

    f->leaves++;
    if (f->bad)
        return;
    if (t.pte != pte || t.level != level || !(pte & PTE_SW0)) {
        f->bad = mismatch(m, "after the copy, the parent's leaf 0x%lx (level %d) at va 0x%lx is the "
                          "child's 0x%lx (level %d): want the same, copy-on-write", (unsigned long)pte,
                          level, (unsigned long)va, (unsigned long)t.pte, t.level);
        return;
    }
    (void)pa;
    uint64_t first = (va - m->base) / PAGE_SIZE, pages = 1UL << (9 * level);
    for (uint64_t p = first; p < first + pages && p < m->npages; p++)
        m->pg[p].cow = f->child_pg[p].cow = 1;
}

/* fork: copy the current space.  Right after the copy, the child's leaves
 * are exactly the parent's, all copy-on-write. */
static const char *apply_fork(struct mm_model *m, const struct model_op *op)
{
    if (m->nspaces == MODEL_SPACES)
        end_space(m, m->cur == 0 ? 1 : 0);     /* the oldest other space makes room */
    struct model_page *pg = malloc(m->npages * sizeof *pg);
    struct mm *child = pg ? space_fork(m->mm) : NULL;
    if (!child) {
        free(pg);
        return mismatch(m, "space_fork failed (out of memory?)");
    }
    memcpy(pg, m->pg, m->npages * sizeof *pg);
    struct fork_census f = { m, virt_to_phys((uint64)child->pt), pg, 0, NULL };
    struct sv39_stats parent, st;
    sv39_walk_all(root_pa(m), fork_leaf, &f, &parent);
    sv39_walk_all(f.child_root, NULL, NULL, &st);
    m->space[m->nspaces++] = (struct model_space){ child, pg, m->space[m->cur].brk };
    m->forks++;
    if (op->flags & 1)
        select_space(m, m->nspaces - 1);
    mm_set_current(m->mm);
    if (f.bad)
        return f.bad;
    if (st.leaves[0] + st.leaves[1] + st.leaves[2] != f.leaves)
        return mismatch(m, "the child has %lu leaves, the parent %lu",
                        (unsigned long)(st.leaves[0] + st.leaves[1] + st.leaves[2]),
                        (unsigned long)f.leaves);
    return NULL;
}

static const char *apply_switch(struct mm_model *m, const struct model_op *op)
{
    select_space(m, (unsigned)op->flags % m->nspaces);
    mm_set_current(m->mm);
    return NULL;
}

/* exit: the current space ends (not the last one). */
static const char *apply_exit(struct mm_model *m, const struct model_op *op)
{
    if (m->nspaces == 1)
        return NULL;
    end_space(m, m->cur);
    return apply_switch(m, op);
}

/* Bring op's fields into the window (any values are accepted). */
static struct model_op clamp(const struct mm_model *m, const struct model_op *op)
{
    struct model_op c = *op;
    uint64_t n = m->npages;

    c.misalign %= PAGE_SIZE;
    c.short_by %= PAGE_SIZE;
    if (c.kind == MODEL_BRK) {      /* a page up to the window's top; lengths within it */
        c.flags = (int)((unsigned)c.flags % (MODEL_BRK_HOSTILE + 1));
        c.page = min_u64(c.page, n);
        c.misalign = c.page == n ? 0 : c.misalign;
        c.npages = min_u64(c.npages, n);
        return c;
    }
    if (c.kind == MODEL_ACCESS) {
        c.page %= n;
        c.npages = c.npages < 1 ? 1 : min_u64(min_u64(c.npages, ACCESS_MAX_PAGES), n - c.page);
        c.prot = c.prot == (int)FAULT_WRITE || c.prot == (int)FAULT_EXEC ? c.prot : (int)FAULT_READ;
        return c;
    }
    if (c.page < 1 || c.page >= n)
        c.page = 1 + c.page % (n - 1);
    c.npages = min_u64(c.npages, n - c.page);
    if (c.new_page < 1 || c.new_page >= n)
        c.new_page = 1 + c.new_page % (n - 1);
    /* mremap: a new range that stays in the window (in place or at new_page) */
    c.new_npages = min_u64(c.new_npages, n - ((c.flags & MM_MREMAP_FIXED) ? c.new_page : c.page));
    c.prot &= PROT_RWX | MM_PROT_SEM;
    return c;
}

const char *model_apply(struct mm_model *m, const struct model_op *op)
{
    struct model_op c = clamp(m, op);

    mm_set_current(m->mm);
    m->touched_lo = m->touched_hi = 0;
    touch(m, c.page, c.npages);
    if (c.kind == MODEL_MREMAP) {
        touch(m, c.page, c.new_npages);
        touch(m, c.new_page, c.new_npages);
    }
    if (c.kind == MODEL_FORK || c.kind == MODEL_SWITCH || c.kind == MODEL_EXIT)
        touch(m, 1, m->npages);     /* every page of every space may have changed */
    switch (c.kind) {
    case MODEL_MMAP:     return apply_mmap(m, &c);
    case MODEL_MUNMAP:   return apply_munmap(m, &c);
    case MODEL_MPROTECT: return apply_mprotect(m, &c);
    case MODEL_MADVISE:
    case MODEL_MSYNC:    return apply_advise(m, &c);
    case MODEL_MREMAP:   return apply_mremap(m, &c);
    case MODEL_ACCESS:   return apply_access(m, &c);
    case MODEL_FORK:     return apply_fork(m, &c);
    case MODEL_SWITCH:   return apply_switch(m, &c);
    case MODEL_EXIT:     return apply_exit(m, &c);
    case MODEL_BRK:      return apply_brk(m, &c);
    default:             return NULL;
    }
}

/* ---- decoding bytes into operations ------------------------------------- */

/* Whether page i is an edge: a VMA starts there, or one ends there. */
static bool is_edge(const struct mm_model *m, uint64_t i)
{
    return (m->pg[i].mapped && m->pg[i].vma_start) || (m->pg[i - 1].mapped && !m->pg[i].mapped);
}

/* A window page from a 16-bit selector: anywhere; near the top (where mmap
 * places first); at a VMA edge; or a few pages from one. */
static uint64_t pick_page(const struct mm_model *m, unsigned sel)
{
    uint64_t n = m->npages, v = sel & 0x3fff, edges = 0;

    if (sel >> 14 == 0)
        return 1 + v % (n - 1);
    if (sel >> 14 == 1)
        return n - 1 - v % min_u64(HOT_PAGES, n - 1);
    for (uint64_t i = 1; i < n; i++)
        edges += is_edge(m, i);
    if (!edges)
        return 1 + v % (n - 1);
    uint64_t k = v % edges, i = 1;
    for (;; i++)
        if (is_edge(m, i) && k-- == 0)
            break;
    if (sel >> 14 == 3)
        i += (v >> 8) % 9 - 4 + (i < 5 ? 4 : 0);
    return i < 1 ? 1 : i >= n ? n - 1 : i;
}

/* The sel-th mapped page of the window (modulo their number), else dflt. */
static uint64_t pick_mapped(const struct mm_model *m, unsigned sel, uint64_t dflt)
{
    uint64_t mapped = 0;
    for (uint64_t i = 1; i < m->npages; i++)
        mapped += m->pg[i].mapped;
    if (!mapped)
        return dflt;
    uint64_t k = sel % mapped, i = 1;
    for (;; i++)
        if (m->pg[i].mapped && k-- == 0)
            return i;
}

/* A length in pages: 1-8, 1-64, 1-1024, or one or two 2 MiB blocks. */
static uint64_t pick_len(unsigned sel, unsigned extra)
{
    switch (sel >> 6) {
    case 0:  return 1 + (sel & 7);
    case 1:  return 1 + (sel & 63);
    case 2:  return 1 + (((sel & 63) << 8) | extra) % 1024;
    default: return BLOCK_PAGES * (1 + (sel & 1));
    }
}

static const int prots[8] = {
    MM_PROT_READ | MM_PROT_WRITE, MM_PROT_READ | MM_PROT_WRITE, MM_PROT_READ, MM_PROT_NONE,
    MM_PROT_READ | MM_PROT_EXEC, MM_PROT_WRITE, MM_PROT_EXEC, MM_PROT_READ,
};

/* The error variants (one operation in eight): each is an argument Linux
 * refuses, or one it rounds. */
static void decode_rare(struct model_op *op, const uint8_t *b)
{
    unsigned v = b[8] % 5;
    switch (op->kind) {
    case MODEL_MMAP:
        if (v == 0) op->prot = MM_PROT_WRITE | MM_PROT_EXEC;
        else if (v == 1) op->flags = (op->flags & ~MM_MAP_TYPE) | MM_MAP_SHARED_VALIDATE;
        else if (v == 2) op->flags |= MM_MAP_GROWSDOWN;
        else if (v == 3) op->misalign = 8;
        else op->npages = 0;
        break;
    case MODEL_MREMAP:
        if (v == 0) op->flags = MM_MREMAP_FIXED;
        else if (v == 1) op->misalign = 0x800;
        else if (v == 2) op->new_npages = 0;
        else if (v == 3) op->flags = MM_MREMAP_MAYMOVE | MM_MREMAP_DONTUNMAP;
        else op->npages = 0;
        break;
    case MODEL_MPROTECT:
        if (v == 0) op->prot = MM_PROT_READ | MM_PROT_WRITE | MM_PROT_EXEC;
        else if (v == 1) op->misalign = 0x10;
        else op->npages = 0;
        break;
    case MODEL_MADVISE:
    case MODEL_MSYNC:
        if (v == 0) op->flags = op->kind == MODEL_MADVISE ? 5 : MM_MS_ASYNC | MM_MS_SYNC;
        else if (v == 1) op->misalign = 0x10;
        else op->npages = 0;
        break;
    default:
        if (v < 2) op->misalign = 0x800;
        else op->npages = 0;
    }
}

static void decode_mremap(const struct mm_model *m, struct model_op *op, const uint8_t *b)
{
    uint64_t o = op->npages;
    static const int flags[4] = { 0, MM_MREMAP_MAYMOVE, MM_MREMAP_MAYMOVE | MM_MREMAP_FIXED,
                                  MM_MREMAP_MAYMOVE };
    switch (b[6] >> 6) {
    case 0:  op->new_npages = 1 + b[7] % o; break;
    case 1:  op->new_npages = o + 1 + b[7] % 16; break;
    case 2:  op->new_npages = o + 1 + (((unsigned)b[7] << 2) | (b[8] & 3)) % BLOCK_PAGES; break;
    default: op->new_npages = o; break;
    }
    op->flags = flags[b[6] & 3];
    op->new_page = pick_page(m, ((unsigned)b[8] << 8) | b[9]);
}

/* A break from b (m->brk_ops): grow or shrink by a few pages (sbrk), to a
 * page at a VMA edge, around the heap's start or the break, the window's
 * top, or a hostile value. */
static void decode_brk(const struct mm_model *m, struct model_op *op, const uint8_t *b)
{
    uint64_t start = (m->heap_start - m->base) / PAGE_SIZE;
    uint64_t now = (m->space[m->cur].brk - m->base) / PAGE_SIZE;

    op->npages = pick_len(b[3] & 0x7f, b[4]);
    op->short_by = (b[9] & 15) * 273u;
    switch (b[6] & 7) {
    case 0: case 1: op->flags = MODEL_BRK_GROW; break;
    case 2:         op->flags = MODEL_BRK_SHRINK; break;
    case 3:         op->flags = MODEL_BRK_TO; break;        /* pick_page's choice */
    case 4:         op->flags = MODEL_BRK_TO; op->page = start + b[7] % 5 - 1; break;
    case 5:         op->flags = MODEL_BRK_TO; op->page = now + b[7] % 9 - 4; break;
    case 6:         op->flags = MODEL_BRK_TO; op->page = m->npages; break;
    default:        op->flags = MODEL_BRK_HOSTILE; op->npages = b[7]; break;
    }
    op->misalign = op->flags == MODEL_BRK_TO && (b[8] & 1) ? b[9] * 16u : 0;
}

/* A fork, switch or exit from b (m->copies). */
static void decode_copy(const uint8_t *b, struct model_op *op)
{
    static const enum model_op_kind kinds[6] = { MODEL_FORK, MODEL_FORK, MODEL_FORK, MODEL_SWITCH,
                                                 MODEL_SWITCH, MODEL_EXIT };
    op->kind = kinds[(b[0] - COPY_SELECTOR) % 6];
    op->flags = b[1];
}

static void decode_op(struct mm_model *m, const uint8_t *b, struct model_op *op)
{
    static const enum model_op_kind kinds[20] = {
        MODEL_MMAP, MODEL_MMAP, MODEL_MMAP, MODEL_MMAP, MODEL_MMAP, MODEL_MUNMAP, MODEL_MUNMAP,
        MODEL_MUNMAP, MODEL_MPROTECT, MODEL_MPROTECT, MODEL_MADVISE, MODEL_MSYNC, MODEL_MREMAP,
        MODEL_MREMAP, MODEL_ACCESS, MODEL_ACCESS, MODEL_ACCESS, MODEL_ACCESS, MODEL_ACCESS, MODEL_ACCESS,
    };
    static const int advice[6] = { MM_MADV_DONTNEED, MM_MADV_DONTNEED, MM_MADV_FREE, MM_MADV_WILLNEED,
                                   MM_MADV_NORMAL, MM_MADV_RANDOM };
    static const int sync_flags[4] = { MM_MS_ASYNC, MM_MS_SYNC, MM_MS_INVALIDATE, 0 };
    static const int faults[4] = { FAULT_READ, FAULT_WRITE, FAULT_WRITE, FAULT_EXEC };

    memset(op, 0, sizeof *op);
    unsigned k = b[0] % (m->brk_ops ? 23 : 20);
    op->kind = k < 20 ? kinds[k] : MODEL_BRK;
    op->page = pick_page(m, ((unsigned)b[1] << 8) | b[2]);
    op->npages = pick_len(b[3], b[4]);
    if (b[3] >> 6 == 3 && m->npages >= 2 * BLOCK_PAGES) {    /* a 2 MiB block: align it */
        op->page &= ~(uint64_t)(BLOCK_PAGES - 1);
        op->page = op->page ? op->page : BLOCK_PAGES;
    }
    op->short_by = (b[9] & 15) * 273u;
    switch (op->kind) {
    case MODEL_MMAP:
        op->place = (enum model_place)(b[6] & 3);
        op->prot = prots[b[7] % 8];
        op->flags = ((b[6] & 4) ? MM_MAP_SHARED : MM_MAP_PRIVATE) | ((b[6] & 8) ? MM_MAP_STACK : 0) |
                    ((b[6] & 16) ? MM_MAP_POPULATE : 0);
        if (op->place == MODEL_HINT && (b[6] & 32))
            op->misalign = 1 + b[8] * 15u;
        break;
    case MODEL_MPROTECT:
        op->prot = prots[b[7] % 8] | ((b[7] & 8) ? MM_PROT_SEM : 0);
        break;
    case MODEL_MADVISE:
        op->flags = advice[b[7] % 6];
        break;
    case MODEL_MSYNC:
        op->flags = sync_flags[b[7] % 4];
        break;
    case MODEL_MREMAP:
        decode_mremap(m, op, b);
        break;
    case MODEL_BRK:
        decode_brk(m, op, b);
        *op = clamp(m, op);
        return;
    case MODEL_ACCESS:
        if (b[6] & 1)
            op->page = pick_mapped(m, ((unsigned)b[1] << 8) | b[2], op->page);
        op->page = b[6] == 0 ? 0 : op->page;        /* now and then the fence */
        op->npages = 1 + (b[8] & 15);
        op->prot = faults[b[7] % 4];
        op->misalign = (b[8] >> 4) * 256u;
        op->tag = b[9];
        return;
    default:
        break;
    }
    if ((b[5] & 0xe0) == 0xe0)
        decode_rare(op, b);
    *op = clamp(m, op);
}

void model_decode(struct mm_model *m, const uint8_t *b, struct model_op *op)
{
    if (m->copies && b[0] >= COPY_SELECTOR) {
        memset(op, 0, sizeof *op);
        decode_copy(b, op);
        *op = clamp(m, op);
        return;
    }
    decode_op(m, b, op);
}

void model_describe(const struct model_op *op, char *buf, size_t len)
{
    static const char *const places[] = { "MAP_FIXED", "MAP_FIXED_NOREPLACE", "hint", "anywhere" };
    unsigned long p = (unsigned long)op->page, n = (unsigned long)op->npages;

    switch (op->kind) {
    case MODEL_MMAP:
        snprintf(buf, len, "mmap(page %lu + %u B, %lu pages - %u B, prot %#x, flags %#x, %s)", p,
                 op->misalign, n, op->short_by, (unsigned)op->prot, (unsigned)op->flags,
                 places[op->place & 3]);
        break;
    case MODEL_MREMAP:
        snprintf(buf, len, "mremap(page %lu + %u B, %lu pages -> %lu pages, - %u B each, flags %#x, "
                 "new page %lu)", p, op->misalign, n, (unsigned long)op->new_npages, op->short_by,
                 (unsigned)op->flags, (unsigned long)op->new_page);
        break;
    case MODEL_ACCESS:
        snprintf(buf, len, "access(pages %lu..%lu at offset %u, %s, tag 0x%02x)", p, p + n - 1,
                 op->misalign, op->prot == (int)FAULT_WRITE ? "write" : op->prot == (int)FAULT_EXEC ?
                 "exec" : "read", op->tag);
        break;
    case MODEL_NOP:
        snprintf(buf, len, "nothing (a known bug's case)");
        break;
    case MODEL_BRK: {
        static const char *const how[] = { "to page", "grow by", "shrink by", "hostile value" };
        snprintf(buf, len, "brk(%s %lu%s + %u B, %lu pages - %u B)", how[op->flags & 3],
                 op->flags == MODEL_BRK_TO ? p : (unsigned long)op->npages,
                 op->flags == MODEL_BRK_HOSTILE ? " (modulo the table)" : "", op->misalign,
                 n, op->short_by);
        break;
    }
    case MODEL_FORK:
        snprintf(buf, len, "fork (the %s continues)", (op->flags & 1) ? "child" : "parent");
        break;
    case MODEL_SWITCH:
        snprintf(buf, len, "switch to space %d (modulo the spaces)", op->flags);
        break;
    case MODEL_EXIT:
        snprintf(buf, len, "exit of the current space, then space %d (modulo the rest)", op->flags);
        break;
    default:
        snprintf(buf, len, "%s(page %lu + %u B, %lu pages - %u B, %s %#x)",
                 op->kind == MODEL_MUNMAP ? "munmap" : op->kind == MODEL_MPROTECT ? "mprotect" :
                 op->kind == MODEL_MADVISE ? "madvise" : "msync", p, op->misalign, n, op->short_by,
                 op->kind == MODEL_MPROTECT ? "prot" : op->kind == MODEL_MUNMAP ? "-" : "advice/flags",
                 (unsigned)(op->kind == MODEL_MPROTECT ? op->prot : op->flags));
    }
}

/* ---- the address space ---------------------------------------------------- */

const char *model_start(struct mm_model *m, uint64_t npages)
{
    memset(m, 0, sizeof *m);
    m->mm = mm_create();
    if (!m->mm)
        return mismatch(m, "mm_create failed");
    mm_set_current(m->mm);
    m->npages = npages;
    m->base = m->mm->mmap_base - npages * PAGE_SIZE;
    m->pg = calloc(npages, sizeof *m->pg);
    m->zero_refs = page_refcount(mm_zero_page());
    if (!m->pg || mm_map_range(m->mm, m->base, va_of(m, 1), MM_PROT_NONE, 0, fence_name, NULL) != 0)
        return mismatch(m, "cannot set up the window");
    m->pg[0] = (struct model_page){ 1, MM_PROT_NONE, FENCE_KIND, 1, 0, 0 };
    m->heap_start = va_of(m, npages / 4);
    m->mm->heap_start = m->mm->brk = m->heap_start;
    m->space[0] = (struct model_space){ m->mm, m->pg, m->heap_start };
    m->nspaces = 1;
    return model_check(m);
}

void model_finish(struct mm_model *m)
{
    while (m->nspaces > 1)
        end_space(m, m->nspaces - 1);
    mm_destroy(m->mm);
    free(m->pg);
    m->nspaces = 0;
    m->mm = NULL;
    m->pg = NULL;
}

/* ---- drawing -------------------------------------------------------------- */

void mm_draw(struct mm *mm, uint64_t lo, uint64_t hi, unsigned cols, bool legend)
{
    static const char letters[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    char line[257];
    uint64_t span = (hi - lo + cols - 1) / cols;
    unsigned idx = 0;

    cols = cols > 256 ? 256 : cols;
    for (unsigned c = 0; c < cols; c++) {
        uint64_t a = lo + c * span, b = a + span;
        unsigned i = 0, hits = 0, which = 0;
        for (struct vma *v = mm->first; v; v = v->next) {
            if (v->end <= lo || v->start >= hi)
                continue;
            if (v->start < b && v->end > a) {
                hits++;
                which = i;
            }
            i++;
        }
        line[c] = hits == 0 ? '.' : hits > 1 ? '+' : which < sizeof letters - 1 ? letters[which] : '*';
    }
    line[cols] = '\0';
    printf("  0x%lx |%s| 0x%lx  (%lu KiB per column)\n", (unsigned long)lo, line, (unsigned long)hi,
           (unsigned long)(span >> 10));
    for (struct vma *v = legend ? mm->first : NULL; v; v = v->next) {
        if (v->end <= lo || v->start >= hi)
            continue;
        printf("    %c [0x%lx-0x%lx) %s %s, %lu pages\n",
               idx < sizeof letters - 1 ? letters[idx] : '*', (unsigned long)v->start,
               (unsigned long)v->end, perms_str(v->prot), v->name,
               (unsigned long)((v->end - v->start) >> PAGE_SHIFT));
        idx++;
    }
}

/* Contract in mm_model.h. */
const char *model_kind_name(enum model_op_kind kind)
{
    static const char *const names[MODEL_NOP + 1] = { "mmap", "munmap", "mprotect", "madvise", "msync",
                                                      "mremap", "access", "fork", "switch", "exit",
                                                      "brk", "no-op" };
    return kind <= MODEL_NOP ? names[kind] : "?";
}
