/* Basic types and units shared by libmm's public headers. */
#ifndef MM_TYPES_H
#define MM_TYPES_H

#include <stddef.h>
#include <stdint.h>

typedef uint64_t uint64;
typedef uint32_t uint32;
typedef uint64   pte_t;
typedef pte_t   *pagetable_t;   /* a page-table page, by its direct-map address */

#define KIB_SHIFT       10      /* log2 of the bytes in a KiB */

/* Whole KiB in bytes (rounded down), for sizes printed in KiB. */
static inline uint64 bytes_to_kib(uint64 bytes)
{
    return bytes >> KIB_SHIFT;
}

#endif
