/* Linux stand-in for libmm's <mm/types.h>, so benchmark programs written
 * for Capsule build as static glibc programs for the reference Linux
 * (docs/linux.md).  Not a libmm header. */
#ifndef SHIM_MM_TYPES_H
#define SHIM_MM_TYPES_H

#include <stdint.h>

typedef uint64_t uint64;

#endif
