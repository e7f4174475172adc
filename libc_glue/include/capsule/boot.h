/* What the boot sequence measured, for benchmarks. */
#ifndef CAPSULE_BOOT_H
#define CAPSULE_BOOT_H

#include <stdint.h>

/* Retired instructions (rdinstret) spent starting libmm: kinit, kvminit and
 * switching the boot hart to the kernel table. */
uint64_t capsule_mm_init_instret(void);

#endif
