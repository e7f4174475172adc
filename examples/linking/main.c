/* Where each part of the image lands: the app's text, rodata, data and bss
 * at their link addresses in the low half (from 0x10000), the libOS in the
 * high half, the heap and stacks where libmm maps them; each address checked
 * against the linker script's section symbols (libarch/capsule.ld.S).
 * Run: scons app=examples/linking run; then compare with the map file,
 * build/debug/examples/linking/linking.map (README.md). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <mm/uvm.h>

/* The linker script's symbols: only their addresses mean something. */
extern char __app_start[], __app_text_end[], __app_rodata_end[];
extern char __app_data_start[], __app_data_end[], __app_bss_start[], __app_end[];

const char greeting[] = "in .rodata";        /* read-only data */
int counter = 42;                             /* initialized: .data (.sdata when small) */
static char scratch[8192];                    /* zero-initialized: .bss */

static void where(const char *what, const void *p, const char *lo, const char *hi)
{
    int inside = (const char *)p >= lo && (const char *)p < hi;
    printf("  %-38s %#018lx  %s\n", what, (unsigned long)(uintptr_t)p,
           lo ? (inside ? "inside its section: yes" : "inside its section: NO") : "");
}

int main(void)
{
    int local = 0;
    char *heap = malloc(100);
    printf("linking: the app's sections (linker symbols from libarch/capsule.ld.S)\n");
    printf("  .text   %#lx-%#lx\n", (unsigned long)__app_start, (unsigned long)__app_text_end);
    printf("  .rodata %#lx-%#lx\n", (unsigned long)__app_text_end, (unsigned long)__app_rodata_end);
    printf("  .data   %#lx-%#lx\n", (unsigned long)__app_data_start, (unsigned long)__app_data_end);
    printf("  .bss    %#lx-%#lx\n", (unsigned long)__app_bss_start, (unsigned long)__app_end);
    printf("linking: where things are\n");
    where("main (.text)", (const void *)main, __app_start, __app_text_end);
    where("greeting (.rodata)", greeting, __app_text_end, __app_rodata_end);
    where("counter (.data/.sdata)", &counter, __app_data_start, __app_data_end);
    where("scratch (.bss)", scratch, __app_bss_start, __app_end);
    where("printf (newlib, linked into the app)", (const void *)printf, __app_start, __app_text_end);
    where("mm_print_vmas (libmm: high half)", (const void *)mm_print_vmas, NULL, NULL);
    where("malloc(100) (the heap, after .bss)", heap, NULL, NULL);
    where("a local variable (the main stack)", &local, NULL, NULL);
    printf("linking: the same ranges as libmm maps them (mm_print_vmas)\n");
    mm_print_vmas();
    free(heap);
    return counter + scratch[0] - 42;
}
