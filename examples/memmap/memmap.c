/* Prints the memory map this app runs in: where its code, data, heap and
 * stack are, where the libOS sits, and the page table that maps it all.
 * Run: scons app=examples/memmap run */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <arch/layout.h>
#include <mm/page.h>
#include <mm/uvm.h>
#include <mm/vmprint.h>

static int initialised = 42;       /* .data */
static char zeroed[8192];          /* .bss */

static void row(const char *what, const void *start, const void *end)
{
    printf("  %-28s %#18lx .. %#18lx\n", what, (unsigned long)start, (unsigned long)end);
}

int main(void)
{
    int on_stack = 0;
    void *heap = malloc(100);

    printf("The app (low half, from %#lx; below it the NULL guard):\n", (unsigned long)NULL_GUARD_END);
    row("text (r-x, in place)", __app_start, __app_text_end);
    row("rodata (r--, in place)", __app_text_end, __app_rodata_end);
    row("data (rw-, private copy)", __app_data_start, __app_data_end);
    row("bss (rw-, fresh zero pages)", __app_bss_start, __app_end);
    row("heap (brk)", (void *)uvm_heap_start(), sbrk(0));
    row("main stack (guard below)", (void *)(APP_STACK_TOP - APP_STACK_BYTES), (void *)APP_STACK_TOP);
    printf("  a .data variable at %p, a .bss array at %p,\n", (void *)&initialised, (void *)zeroed);
    printf("  malloc(100) = %p, a local variable at %p\n", heap, (void *)&on_stack);

    printf("The libOS (high half):\n");
    row("image (text, rodata, data)", __kernel_start, __kernel_data_end);
    row("libOS bss (stacks, tables)", __kernel_bss_start, __kernel_end);
    printf("  direct map of RAM: physical address + %#lx\n", (unsigned long)DIRECT_MAP_OFFSET);
    printf("  main is at %p; its physical address is %#lx\n", (void *)main,
           (unsigned long)virt_to_phys((unsigned long)main));
    printf("Free RAM: %lu KiB\n\n", (unsigned long)bytes_to_kib(get_free_mem()));

    printf("The page table (every mapped range, leaf size and permissions):\n");
    vmprint(uvm_current());
    free(heap);
    return 0;
}
