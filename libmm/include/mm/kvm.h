/* The kernel page table: the high half every address space shares. */
#ifndef MM_KVM_H
#define MM_KVM_H

#include <mm/types.h>

/* A new kernel page table: direct map of all RAM (RW, never X, largest
 * leaves), the image W^X (text RX, rodata R, data/bss RW), MMIO windows RW.
 * NULL when memory runs out or the layout cannot be mapped. */
pagetable_t kvmmake(void);
/* Build the kernel page table once (kvmmake) and keep it as the template for
 * every address space's high half. */
void   kvminit(void);
/* Switch this hart to the kernel page table and flush its TLB. */
void   kvminithart(void);
/* The kernel page table built by kvminit (NULL before). */
pagetable_t kernel_pagetable(void);

#endif
