/* The app's address space (the low half): its image, heap and main stack.
 * Boot builds the first one; see arch/layout.h for where things sit. */
#ifndef MM_UVM_H
#define MM_UVM_H

#include <mm/types.h>
#include <arch/layout.h>

#define APP_STACK_TOP       (USER_END - PAGE_SIZE)          /* the top page stays unmapped */
#define APP_STACK_BYTES     (256UL * 1024)                  /* mapped at start */
#define APP_STACK_GUARD     (APP_STACK_TOP - APP_STACK_BYTES - PAGE_SIZE)

/* A new root table: empty low half, the kernel's shared high half.  The
 * trapframe argument is kept for the seeds' signature and must be 0 (Capsule
 * runs the app in S-mode and has no per-process trapframe page).  NULL when
 * out of memory. */
pagetable_t uvmmake(uint64 trapframe);

/* Map pages for [PGROUNDUP(oldsz), PGROUNDUP(newsz)) (addresses in the low
 * half) with perm (PTE_RW or PTE_RONLY), zero-filled.  Returns newsz, oldsz
 * when newsz <= oldsz, or 0 when out of memory or the range is invalid (what
 * was mapped by this call is released). */
uint64 uvmalloc(pagetable_t pt, uint64 oldsz, uint64 newsz, int perm);
/* Unmap and free the pages in [PGROUNDUP(newsz), PGROUNDUP(oldsz)); returns newsz. */
uint64 uvmdealloc(pagetable_t pt, uint64 oldsz, uint64 newsz);

/* Map the app image linked into this binary into pt: text RX and rodata R in
 * place, data and bss on fresh private pages; then the main stack with its
 * guard page.  Returns the initial stack pointer, or 0 when out of memory. */
uint64 uvm_boot_image(pagetable_t pt);

/* The first address space, made by boot (NULL before). */
pagetable_t uvm_current(void);
void        uvm_set_current(pagetable_t pt);

/* The heap (brk) bounds of the current address space. */
uint64 uvm_heap_start(void);
/* Move the break to new_brk (page-granular mapping, byte-granular break).
 * Returns the new break, or a negative MM_ error (-MM_ENOMEM) and leaves it. */
int64_t uvm_set_brk(uint64 new_brk);
uint64  uvm_brk(void);

#endif
