/* Fault-safe copies: a fault inside them (an unmapped or forbidden address
 * that libmm cannot resolve) is recovered by the trap handler through the
 * fixup table in usercopy.S, and the copy returns -1 instead of stopping. */
#ifndef ARCH_USERCOPY_H
#define ARCH_USERCOPY_H

#include <stddef.h>
#include <stdint.h>

/* Copy n bytes; 0, or -1 when an access faulted (some bytes may be copied). */
int  arch_copy_fault_safe(void *dst, const void *src, size_t n);
/* Store two words at dst and dst + 8 (dst 8-byte aligned); 0, or -1 when
 * a store faulted. */
int  arch_put_pair_fault_safe(void *dst, uint64_t first, uint64_t second);
/* Copy a string of at most max bytes including its NUL; returns its length
 * without the NUL, or -1 when an access faulted or no NUL came within max. */
long arch_strncpy_fault_safe(char *dst, const char *src, size_t max);

/* The fixup for a fault at pc inside a fault-safe copy, or 0. */
uint64_t arch_fault_fixup(uint64_t pc);

#endif
