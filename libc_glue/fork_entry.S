/* fork's address-space copy on the libOS call stack (arch_libos_call,
 * arch/boot.h): mm_fork makes the caller's stack copy-on-write while it
 * runs, so running it on that stack would take write faults on it half way
 * through -- which can find no frame and end the process with a half-made
 * child.  On the libOS stack the copy writes nothing of the app's. */
#include <arch/boot.h>

    .section .text.mm_fork_on_libos_stack, "ax", @progbits
    .globl mm_fork_on_libos_stack
    .type mm_fork_on_libos_stack, @function
/* struct mm *mm_fork_on_libos_stack(struct mm *parent, uint64 hot_start, uint64 hot_end) */
mm_fork_on_libos_stack:
    la      t1, mm_fork
    j       arch_libos_call
    .size mm_fork_on_libos_stack, . - mm_fork_on_libos_stack
