/* Host test support: an address space (struct mm) as the hart sees it, and
 * fork's copy of one.  Page tables are not live on the host, so an access is
 * what the hart does: translate with the independent Sv39 walker, and on a
 * fault call mm_handle_fault and translate again.  Bytes are read and written
 * through the frame the walker finds, in the simulated RAM. */
#ifndef TEST_SPACE_H
#define TEST_SPACE_H

#include <stdint.h>

struct mm;

/* The physical address of mm's root table, for the walker. */
uint64_t    space_root(const struct mm *mm);
/* The byte at va through mm's leaf (whatever its permissions), -1 when no
 * leaf maps va. */
int         space_byte(const struct mm *mm, uint64_t va);
/* One access (FAULT_READ, FAULT_WRITE or FAULT_EXEC) to va as the hart makes
 * it: 0 when the walker allows it, at once or after mm_handle_fault resolved
 * the fault; else mm_handle_fault's error. */
int         space_touch(struct mm *mm, uint64_t va, unsigned fault);
/* Write byte at va as a store does (faulting first if needed); the test fails
 * when the store is not allowed. */
void        space_poke(struct mm *mm, uint64_t va, uint8_t byte);

/* fork's copy of parent: a new address space with the same VMAs and break,
 * whose low half uvmcopy shares copy-on-write with parent's.  NULL when out
 * of memory or when uvmcopy fails (nothing is left allocated; parent's
 * leaves may have become copy-on-write).  Not made current. */
struct mm  *space_fork(struct mm *parent);

#endif
