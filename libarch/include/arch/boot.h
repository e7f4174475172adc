/* Boot: entry.S (the image's entry from the firmware) sets up the boot stack
 * and the high half, then calls capsule_main, which the layer above provides
 * (libc_glue/init.c) -- as crt0 calls main.  capsule_main is the boot
 * sequence, top to bottom: libarch's early init, libmm, the hooks libarch
 * calls up through (arch/trap.h), the app's address space, the app. */
#ifndef ARCH_BOOT_H
#define ARCH_BOOT_H

#ifndef __ASSEMBLER__
#include <stdint.h>

/* Provided by the layer above: the boot sequence, on the boot stack in the
 * high half, with the hart id and the device tree's physical address from
 * the firmware; never returns. */
void capsule_main(uint64_t hartid, uint64_t dtb_pa) __attribute__((noreturn));

/* First thing in capsule_main: the trap vector, the boot information from
 * the device tree (arch/bootinfo.h) and the console.  A tree that is not
 * valid or lists no memory is fatal (panic). */
void arch_early_init(uint64_t hartid, uint64_t dtb_pa);

/* Enter the app: entry(arg0, arg1) on the stack whose top is sp, with the
 * FPU usable -- called in S-mode (priv=supervisor), or reached by sret into
 * U-mode from a trap frame built at kstack_top, the top of the first
 * process's kernel stack (priv=user).  Never returns. */
void arch_enter_app(void (*entry)(uint64_t, uint64_t), uint64_t sp, uint64_t arg0, uint64_t arg1,
                    uint64_t kstack_top) __attribute__((noreturn));

/* Call fn(arg, 0) on the boot stack (free once the app runs), leaving the
 * caller's stack for good: for the end of a run, which unmaps the app's
 * stack.  Never returns. */
void arch_finish_on_boot_stack(void (*fn)(uint64_t, uint64_t), uint64_t arg) __attribute__((noreturn));
#endif

/* For assembly entry points of the layer above (e.g. libc_glue's mmap
 * family): `la t1, body; j arch_libos_call` calls body(a0..a7) on the
 * libOS call stack and returns body's a0/a1 straight to the caller (ra),
 * with sp as it was.  The caller's stack is not read or written between the
 * call and the return, so body may unmap it (munmap of the stack the app
 * runs on completes; the app's next access faults, as on Linux).  Not
 * reentrant: body must not come back through arch_libos_call. */
#ifdef __ASSEMBLER__
    .extern arch_libos_call
#endif

#endif
