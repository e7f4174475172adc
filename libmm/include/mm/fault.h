/* libmm's page-fault entry: libarch decodes a fault into an address and an
 * access type and asks libmm to resolve it; libmm decides. */
#ifndef MM_FAULT_H
#define MM_FAULT_H

#include <mm/types.h>

#define FAULT_READ      1u
#define FAULT_WRITE     2u
#define FAULT_EXEC      4u

/* What libmm knows about an address it could not resolve, for the report. */
struct fault_info {
    const char *kind;       /* "NULL pointer dereference", "stack overflow (guard page)", ... */
    int         has_region; /* whether addr lies in a known region (VMA) */
    uint64      region_start, region_end;
    const char *region_name;
    const char *region_perms;   /* "r-x", "rw-", ... */
};

/* Resolve a fault at addr for access (FAULT_*).  Returns 0 when the access
 * can be retried, or -MM_EFAULT after filling *info for the report. */
int mm_fault(uint64 addr, unsigned access, struct fault_info *info);

#endif
