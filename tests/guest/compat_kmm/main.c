/* The buddy/COW/superpage kernel's calls on QEMU, written against
 * <mm/compat/kmm.h> alone as that kernel's document uses them: kvmmap with
 * COMMONPAGE and SUPERPAGE leaves, its five-argument walk and the walkaddr
 * built on it, vmprint of a range, PTE_RSW after a copy-on-write copy and
 * the store fault that clears it, demand paging, share_page, the buddy
 * orders, the thread stack and trapframe calls; the free-frame count back
 * at its baseline. */
#include <mm/compat/kmm.h>

#include <stdio.h>
#include <string.h>

#include "../common/check.h"

#define VA      0x40000000UL

/* The document's walkaddr, as its text gives it. */
static uint64 doc_walkaddr(pagetable_t pagetable, uint64 va)
{
    pte_t *pte;
    uint64 pa;

    if (va >= MAXVA)
        return 0;
    int level = walk(pagetable, va, 0, 0, &pte);
    ASSERT(level <= 1);
    if (pte == 0)
        return 0;
    if ((*pte & PTE_V) == 0)
        return 0;
    if ((*pte & PTE_U) == 0)
        return 0;
    pa = PTE2PA(*pte);
    if (level == COMMONPAGE) {
        return pa;
    } else if (level == SUPERPAGE) {
        return pa + (PGROUNDDOWN(va) - SUPERPG_DOWN(va));
    } else {
        panic("can not reach here");
    }
}

/* kvmmap's two leaf sizes in a table built by hand, read back with walk. */
static void leaf_sizes(void)
{
    uint64 base = free_frames();
    pagetable_t pt = page_zalloc(0);
    char *block = (char *)page_zalloc(9);           /* 2 MiB, 2 MiB-aligned */
    CHECK(pt && block);
    uint64 pa = virt_to_phys((uint64)block);
    pte_t *pte;

    CHECK(kvmmap(pt, VA, pa, SUPERPG_SIZE, PTE_RW | PTE_U, COMMONPAGE) == 0);
    CHECK(walk(pt, VA + 5 * PGSIZE, 0, 0, &pte) == COMMONPAGE && pte && PTE2PA(*pte) == pa + 5 * PGSIZE);
    CHECK(kvmmap(pt, VA + SUPERPG_SIZE, pa, SUPERPG_SIZE, PTE_RW | PTE_U, SUPERPAGE) == 0);
    CHECK(walk(pt, VA + SUPERPG_SIZE + 5 * PGSIZE, 0, 0, &pte) == SUPERPAGE && pte && PTE2PA(*pte) == pa);
    CHECK(doc_walkaddr(pt, VA + 5 * PGSIZE + 12) == pa + 5 * PGSIZE);  /* the page, as the document's code gives it */
    CHECK(doc_walkaddr(pt, VA + SUPERPG_SIZE + 7 * PGSIZE + 12) == pa + 7 * PGSIZE);
    CHECK(doc_walkaddr(pt, VA + 2 * SUPERPG_SIZE) == 0);
    CHECK(walk(pt, VA + 2 * SUPERPG_SIZE, 0, 0, &pte) >= 0 && pte == NULL);
    CHECK(kvmmap(pt, VA + 4 * SUPERPG_SIZE + PGSIZE, pa, SUPERPG_SIZE, PTE_RW, SUPERPAGE) == -MM_EINVAL);
    CHECK(kvmmap(pt, VA, pa, PGSIZE, PTE_RW, COMMONPAGE) == -MM_EEXIST);
    printf("vmprint of the superpage's range:\n");
    vmprint(pt, 1, 2, VA + SUPERPG_SIZE, VA + 2 * SUPERPG_SIZE, 0);

    /* walk with alloc: a superpage slot, filled by hand as that kernel does */
    CHECK(walk(pt, VA + 3 * SUPERPG_SIZE, 1, SUPERPAGE, &pte) == SUPERPAGE && pte && !(*pte & PTE_V));
    *pte = PA2PTE(pa) | PTE_R | PTE_U | PTE_V | PTE_A;
    CHECK(doc_walkaddr(pt, VA + 3 * SUPERPG_SIZE + 3 * PGSIZE) == pa + 3 * PGSIZE);
    CHECK(walk(pt, VA + 4 * SUPERPG_SIZE, 1, COMMONPAGE, &pte) == COMMONPAGE && pte && !(*pte & PTE_V));

    uvmunmap(pt, VA, 4 * SUPERPG_SIZE / PGSIZE, 0);
    freewalk(pt, 2);
    page_free(block, 9);
    CHECK(free_frames() == base);
}

static char area[4 * 4096] __attribute__((aligned(4096)));

/* Demand paging (page_unmap_handler for a load, store_page_fault_handler
 * for a store), a copy-on-write copy whose leaves carry PTE_RSW, and the
 * store fault that copies (store_page_fault_handler). */
static void cow_and_demand(void)
{
    pte_t *pte;
    uint64 va = (uint64)area;

    walk(uvm_current(), va, 0, 0, &pte);
    CHECK(pte == NULL);                             /* bss: not there before its first touch */
    CHECK(*(volatile char *)area == 0);             /* a load: page_unmap_handler maps the zero page */
    CHECK(walk(uvm_current(), va, 0, 0, &pte) == COMMONPAGE && pte && (*pte & PTE_RSW) && !(*pte & PTE_W));
    area[0] = 7;                                    /* a store: store_page_fault_handler gives it a page */
    CHECK(walk(uvm_current(), va, 0, 0, &pte) == COMMONPAGE && pte && (*pte & PTE_W) && !(*pte & PTE_RSW));
    uint64 base = free_frames();

    pagetable_t child = uvmmake(0);
    CHECK(child && uvmcopy(child, uvm_current(), USER_END) == 0);
    walk(uvm_current(), va, 0, 0, &pte);
    CHECK(pte && (*pte & PTE_RSW) && !(*pte & PTE_W));
    uint64 shared = PTE2PA(*pte);
    CHECK(page_refcount((void *)phys_to_virt(shared)) == 2);
    area[0] = 8;                                    /* store_page_fault_handler copies */
    walk(uvm_current(), va, 0, 0, &pte);
    CHECK(pte && !(*pte & PTE_RSW) && (*pte & PTE_W) && PTE2PA(*pte) != shared);
    char c = 0;
    CHECK(copyin(child, &c, va, 1) == 0 && c == 7 && area[0] == 8);
    CHECK(copyout(child, va, "x", 1) == -1);        /* copy-on-write in the child: not writable */

    share_page(shared);                             /* one more owner of the child's page */
    CHECK(page_refcount((void *)phys_to_virt(shared)) == 2);
    uvmfree(child, USER_END);
    CHECK(page_refcount((void *)phys_to_virt(shared)) == 1);
    page_put((void *)phys_to_virt(shared));         /* ours was the last reference */
    CHECK(free_frames() == base);
}

/* The buddy allocator's orders and the allocation calls. */
static void buddy(void)
{
    uint64 before = get_free_mem();
    void *largest = page_alloc(BUDDY_MAX_ORDER - 1);
    CHECK(largest != NULL);
    CHECK(page_alloc(BUDDY_MAX_ORDER) == NULL);
    CHECK(get_free_mem() == before - (PGSIZE << (BUDDY_MAX_ORDER - 1)));
    page_free(largest, BUDDY_MAX_ORDER - 1);
    char *z = kzalloc(100), *m = kmalloc(5000);
    CHECK(z && m && z[99] == 0);
    kfree(z);
    kfree(m);
}

/* Thread stacks and trapframes in the running address space and in another. */
static void threads(void)
{
    uint64 base = free_frames();
    pagetable_t pt = uvm_current();
    CHECK(uvm_thread_stack(pt, 3) == 0);
    CHECK(uvm_thread_stack(pt, 3) == -MM_EEXIST);
    CHECK(uvm_thread_stack(pt, KMM_THREAD_MAX) == -MM_EINVAL);
    volatile char *top = (volatile char *)kmm_thread_stack_top(3);
    top[-1] = 1;
    top[-(long)KMM_THREAD_STACK_BYTES] = 2;         /* its lowest byte, demand-paged */
    CHECK(top[-1] == 1 && top[-(long)KMM_THREAD_STACK_BYTES] == 2);
    struct trapframe *tf = uvm_thread_trapframe(pt, 3);
    CHECK(tf && tf->sepc == 0 && tf->regs[2] == 0);
    tf->sepc = 0x1234;
    CHECK(*(volatile uint64 *)(kmm_thread_trapframe_va(3) + 32 * 8) == 0x1234);
    CHECK(uvm_thread_trapframe(pt, 3) == NULL);     /* the slot is taken */
    uvmdealloc(pt, kmm_thread_stack_top(3), kmm_thread_stack_top(3) - KMM_THREAD_STACK_BYTES - PGSIZE);
    uvmdealloc(pt, kmm_thread_trapframe_va(3) + PGSIZE, kmm_thread_trapframe_va(3));
    CHECK(free_frames() == base);

    pagetable_t other = uvmmake(0);
    CHECK(other && uvm_thread_stack(other, 0) == 0 && uvm_thread_trapframe(other, 0) != NULL);
    CHECK(walkaddr(other, kmm_thread_stack_top(0) - 1) != 0);
    uvmfree(other, USER_END);
    CHECK(free_frames() == base);
}

int main(void)
{
    printf("compat_kmm: begin\n");
    leaf_sizes();
    cow_and_demand();                               /* each scenario checks its own baseline */
    buddy();
    threads();
    CHECK(page_check() == 0);
    printf("compat_kmm: %d failure(s)\n", failures);
    return failures != 0;
}
