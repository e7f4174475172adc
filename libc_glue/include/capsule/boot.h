/* What the boot sequence measured, for benchmarks. */
#ifndef CAPSULE_BOOT_H
#define CAPSULE_BOOT_H

#include <stdint.h>

/* Retired instructions (rdinstret) spent starting libmm: kinit and kvminit
 * (building the kernel table; switching to it is not counted). */
uint64_t capsule_mm_init_instret(void);

#endif
