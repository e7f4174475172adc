/* libmm's page-fault entry: libarch decodes a fault into an address and an
 * access type and asks libmm to resolve it; libmm decides. */
#ifndef MM_FAULT_H
#define MM_FAULT_H

#include <arch/trap.h>
#include <mm/types.h>

/* FAULT_READ/WRITE/EXEC and struct fault_info come from <arch/trap.h>: libarch
 * decodes a trap into them and calls mm_fault through its fault hook. */

/* Resolve a fault at addr for access (FAULT_*).  Returns 0 when the access
 * can be retried, or a negative error (-MM_EFAULT, or -MM_ENOMEM with
 * info->no_memory set) after filling *info for the report. */
int mm_fault(uint64 addr, unsigned access, struct fault_info *info);

/* The first system's fault entries, which mm_fault calls by the fault's
 * cause with the fault it was given (address, access, report): a store page
 * fault goes to store_page_fault_handler (a store to a copy-on-write page
 * copies it, or reuses it when this is its only mapping; a store to a page
 * of a mapping not present yet maps a fresh zeroed page), a load or
 * instruction page fault to page_unmap_handler (demand paging of a page
 * not present yet: the shared zero page for a read of private memory, else
 * a fresh zeroed page).  They take no arguments, as the document gives
 * them; called outside a fault they change nothing. */
void store_page_fault_handler(void);
void page_unmap_handler(void);

/* Whether a fault report may read the word at va: in the app's half and
 * mapped readable in the running address space (never the direct map, MMIO
 * or libOS data).  libarch's backtrace asks this through its readable hook. */
int mm_report_readable(uint64 va);

/* The one shared zero page that read faults of private memory map (a
 * reference is taken per mapping of it), made on first use and kept for
 * good; NULL when there is no frame for it. */
void *mm_zero_page(void);

#endif
