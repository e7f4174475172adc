/* The hand-over from libarch's early boot to the layer above.  libarch starts
 * first (trap vector, boot information, console), then calls capsule_main,
 * which the layer above provides: it starts libmm, registers its hooks
 * (arch/trap.h) and enters the app with arch_enter_app. */
#ifndef ARCH_BOOT_H
#define ARCH_BOOT_H

#include <stdint.h>

/* Provided by the layer above (libc_glue/init.c): the rest of the boot
 * sequence, on the boot stack in the high half; never returns. */
void capsule_main(void) __attribute__((noreturn));

/* Let S-mode code use the FPU, then call entry(0, 0) on the stack whose top
 * is sp; never returns. */
void arch_enter_app(void (*entry)(uint64_t, uint64_t), uint64_t sp) __attribute__((noreturn));

#endif
