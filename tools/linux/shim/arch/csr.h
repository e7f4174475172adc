/* Linux stand-in for libarch's <arch/csr.h> (see mm/types.h here): only
 * rdinstret, which the reference kernel lets user space read. */
#ifndef SHIM_ARCH_CSR_H
#define SHIM_ARCH_CSR_H

#include <mm/types.h>

/* Instructions retired by this hart since it started. */
static inline uint64 rdinstret(void)
{
    uint64 v;
    __asm__ volatile("rdinstret %0" : "=r"(v) :: "memory");
    return v;
}

#endif
