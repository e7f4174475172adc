/* Printing a page table (debugging, examples). */
#ifndef MM_VMPRINT_H
#define MM_VMPRINT_H

#include <mm/types.h>

/* Print the table as a tree of ranges with leaf sizes and permissions. */
void   vmprint(pagetable_t pgtbl);
/* Print only the entries of table t that map part of [start, end), as
 * vmprint prints them, without the heading line: t sits at level (2: a
 * root) and its first entry maps vabase. */
void   vmprint_range(pagetable_t t, int level, uint64 start, uint64 end, uint64 vabase);

#endif
