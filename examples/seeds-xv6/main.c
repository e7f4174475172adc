/* xv6's way through <mm/compat/xv6.h>: a kalloc'd page is a physical
 * address that code can dereference, mappages puts it in a user table, and
 * copyout (written as the xv6 notes give it) finds it again with walkaddr. */
#include <mm/compat/xv6.h>

#include <stdio.h>
#include <string.h>

static int notes_copyout(pagetable_t pagetable, uint64 dstva, char *src, uint64 len)
{
    while (len > 0) {
        uint64 va0 = PGROUNDDOWN(dstva), pa0 = walkaddr(pagetable, va0);
        if (pa0 == 0)
            return -1;
        uint64 n = PGSIZE - (dstva - va0);
        if (n > len)
            n = len;
        memmove((void *)(pa0 + (dstva - va0)), src, n);
        len -= n, src += n, dstva = va0 + PGSIZE;
    }
    return 0;
}

int main(void)
{
    pagetable_t pt = uvmcreate();
    char *mem = kalloc();
    memset(mem, 0, PGSIZE);
    printf("kalloc() = %p, mappages: %d\n", (void *)mem,
           mappages(pt, 0x100000, PGSIZE, (uint64)mem, PTE_R | PTE_W | PTE_U));
    printf("walkaddr(0x100000) = 0x%lx (the same page)\n", (unsigned long)walkaddr(pt, 0x100000));
    printf("copyout: %d; the page now holds \"%s\"\n", notes_copyout(pt, 0x100010, "hello, xv6", 11), mem + 16);
    uvmunmap(pt, 0x100000, 1, 1);     /* do_free: kfree's the page */
    freewalk(pt);
    return 0;
}
