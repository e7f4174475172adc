/* SC7's calls on QEMU, written against <mm/compat/sc7.h> alone the way
 * SC7's document uses them: vma_init, the document's mmap (alloc_mmap_vma,
 * get_mmapperms, experm) and its own mmap with MAP_ALLOC, the VMA list's
 * fields, free_vma cutting a node, munmap, alloc_vma_stack, vm_protect over
 * a range, and the page-table calls in SC7's argument order (uvmalloc,
 * uvmcopy, vmunmap, uvmfree) on a table that is not running; the free-frame
 * count back at its baseline. */
#include <mm/compat/sc7.h>

#include <stdio.h>
#include <string.h>

#include "../common/check.h"

/* The document's mmap, anonymous memory only (no files to read). */
static uint64 doc_mmap(uint64 start, int64 len, int prot, int flags, int fd, int offset)
{
    proc_t *p = myproc();
    int perm = get_mmapperms(prot);
    struct vma *vma = alloc_mmap_vma(p, flags, start, len, perm, fd, offset);
    if (!vma)
        return (uint64)-1;
    if (!(flags & MAP_FIXED))
        start = vma->addr;
    for (int64 i = 0; i < len; i += PGSIZE) {
        uint64 pa = experm(p->pagetable, start + i, perm);
        if (pa == 0)
            return (uint64)-1;
    }
    return start;
}

/* The nodes of p's list after the head and the vma_init marker. */
static int nodes(struct proc *p)
{
    int n = 0;
    for (struct vma *v = p->vma->next; v != p->vma; v = v->next)
        n++;
    return n - 1;
}

static void vma_list(struct proc *p)
{
    struct vma *head = vma_init(p);
    CHECK(head && p->vma == head && head->type == NONE);
    CHECK(head->next->type == MMAP && head->next->addr == USER_MMAP_START && head->next->size == 0);

    uint64 a = doc_mmap(0, 3 * PGSIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(a != (uint64)-1 && nodes(p) == 1);
    struct vma *v = head->next;
    while (v != head && v->addr != a)
        v = v->next;
    CHECK(v->next->addr > v->addr);                 /* sorted by address */
    CHECK(v->type == MMAP && v->addr == a && v->size == 3 * PGSIZE && v->end == a + 3 * PGSIZE);
    CHECK(v->perm == get_mmapperms(PROT_READ | PROT_WRITE) && v->fd == -1 && v->f_off == 0);
    CHECK(v->flags == (MAP_PRIVATE | MAP_ANONYMOUS));
    for (int i = 0; i < 3; i++)
        CHECK(walkaddr(p->pagetable, a + i * PGSIZE) != 0);     /* experm made them present */
    memset((void *)a, 7, 3 * PGSIZE);

    CHECK(free_vma(p, a + PGSIZE, a + 2 * PGSIZE) == 0);        /* a cut in the middle */
    CHECK(nodes(p) == 2 && v->end == a + PGSIZE && v->next->addr == a + 2 * PGSIZE);
    CHECK(v->next->size == PGSIZE && v->next->f_off == 2 * PGSIZE);
    CHECK(walkaddr(p->pagetable, a + PGSIZE) == 0 && *(char *)(a + 2 * PGSIZE) == 7);

    uint64 b = mmap(0, 2 * PGSIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_ALLOC, -1, 0);
    uint64 c = mmap(0, 2 * PGSIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(b != (uint64)-1 && c != (uint64)-1 && nodes(p) == 4);
    CHECK(walkaddr(p->pagetable, b) != 0 && walkaddr(p->pagetable, b + PGSIZE) != 0);  /* allocated now */
    CHECK(walkaddr(p->pagetable, c) == 0);          /* demand-paged */
    CHECK(munmap(b, 2 * PGSIZE) == 0 && nodes(p) == 3);

    CHECK(vm_protect(p->pagetable, c, c + 2 * PGSIZE, get_mmapperms(PROT_READ)) == 0);
    CHECK(experm(p->pagetable, c, get_mmapperms(PROT_READ)) != 0);
    CHECK(experm(p->pagetable, c, get_mmapperms(PROT_READ | PROT_WRITE)) == 0);     /* read-only now */
    CHECK(vm_protect(p->pagetable, c, c + 2 * PGSIZE, get_mmapperms(PROT_READ | PROT_WRITE)) == 0);
    *(volatile char *)c = 1;

    uint64 top = alloc_vma_stack(p);
    CHECK(top != 0 && nodes(p) == 4);
    ((volatile char *)top)[-1] = 5;
    ((volatile char *)top)[-(long)SC7_STACK_BYTES] = 6;
    CHECK(walkaddr(p->pagetable, top - SC7_STACK_BYTES - PGSIZE) == 0);    /* the guard page */

    CHECK(free_vma_list(p) == 0 && p->vma == NULL);
    CHECK(walkaddr(myproc()->pagetable, a) == 0 && walkaddr(myproc()->pagetable, top - 1) == 0);
}

#define VA      0x100000UL

/* The page-table calls in SC7's argument order on tables that do not run. */
static void tables(void)
{
    pgtbl_t old = uvmmake(0), new = uvmmake(0);
    CHECK(old && new);
    CHECK(uvmalloc(old, VA, VA + 4 * PGSIZE, PTE_RW) == VA + 4 * PGSIZE);
    CHECK(walk(old, VA, 0) != NULL && walk(old, VA + 4 * PGSIZE, 0) == NULL);
    CHECK(experm(old, VA + PGSIZE, PTE_R) == walkaddr(old, VA + PGSIZE));
    CHECK(experm(old, VA + PGSIZE, PTE_X) == 0);    /* W and X together: refused */
    CHECK(uvmcopy(old, new, VA + 4 * PGSIZE) == 0);
    CHECK(walkaddr(new, VA + 2 * PGSIZE) == walkaddr(old, VA + 2 * PGSIZE));    /* shared copy-on-write */
    CHECK(vm_protect(new, VA, VA + 2 * PGSIZE, PTE_R) == 0 && !(*walk(new, VA, 0) & PTE_W));
    vmunmap(old, VA, 1, 1);
    CHECK(walk(old, VA, 0) == NULL);
    uvmfree(new, VA, 4 * PGSIZE);
    uvmfree(old, VA + PGSIZE, 3 * PGSIZE);
}

int main(void)
{
    printf("compat_sc7: begin\n");
    unsigned long base = free_frames();
    vma_list(myproc());
    CHECK(free_frames() == base);
    tables();
    CHECK(free_frames() == base);
    CHECK(page_check() == 0);
    printf("compat_sc7: %d failure(s)\n", failures);
    return failures != 0;
}
