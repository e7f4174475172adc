/* Basic types shared by libmm's public headers. */
#ifndef MM_TYPES_H
#define MM_TYPES_H

#include <stddef.h>
#include <stdint.h>

typedef uint64_t uint64;
typedef uint32_t uint32;
typedef uint64   pte_t;
typedef pte_t   *pagetable_t;   /* a page-table page, by its direct-map address */

#endif
