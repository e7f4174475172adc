/* Printing a page table (debugging, examples). */
#ifndef MM_VMPRINT_H
#define MM_VMPRINT_H

#include <mm/types.h>

/* Print the table as a tree of ranges with leaf sizes and permissions. */
void   vmprint(pagetable_t pgtbl);

#endif
