/* SC7's VMA list through <mm/compat/sc7.h>: mmap records each mapping in
 * the running program's list (MAP_ALLOC allocates its pages at once),
 * munmap cuts it, free_vma_list ends it. */
#include <mm/compat/sc7.h>

#include <stdio.h>

static void show(struct proc *p)
{
    for (struct vma *v = p->vma->next; v != p->vma; v = v->next)
        printf("  %s [0x%lx, 0x%lx) size %lu perm 0x%x\n", v->type == MMAP ? "MMAP " : "STACK",
               (unsigned long)v->addr, (unsigned long)v->end, (unsigned long)v->size, v->perm);
}

int main(void)
{
    struct proc *p = myproc();
    vma_init(p);
    uint64 a = mmap(0, 4 * PGSIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_ALLOC, -1, 0);
    uint64 top = alloc_vma_stack(p);
    printf("mmap with MAP_ALLOC at 0x%lx: page 3 present at once: %s\n", (unsigned long)a,
           walkaddr(p->pagetable, a + 3 * PGSIZE) ? "yes" : "no");
    printf("a stack ending at 0x%lx; the list:\n", (unsigned long)top);
    show(p);
    munmap(a + PGSIZE, PGSIZE);
    printf("after munmap of the second page:\n");
    show(p);
    printf("free_vma_list: %d\n", free_vma_list(p));
    return 0;
}
