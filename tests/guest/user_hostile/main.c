/* What only user mode (priv=user) stops: a hostile app that writes the
 * libOS's direct map, reads libOS text, or runs a privileged instruction
 * (writes satp or stvec, sets sstatus.SUM, wfi, sret).  Under
 * priv=supervisor each of these succeeds or is absorbed (tests/guest/
 * hostile); in U-mode each ends the app with a report: 139 for the memory
 * accesses, 132 (SIGILL) for the instructions.  One scenario per argument. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <arch/layout.h>

/* Say what is tried, then try it: the line after it must never print. */
static void attempt(const char *what)
{
    printf("trying: %s\n", what);
    fflush(stdout);
}

int main(int argc, char **argv)
{
    const char *what = argc > 1 ? argv[1] : "";
    if (!strcmp(what, "write_directmap")) {
        attempt("a store into the direct map (all of RAM, the libOS's included)");
        *(volatile uint64_t *)(DIRECT_MAP_BASE + 0x80200000) = 0;
    } else if (!strcmp(what, "read_libos_text")) {
        attempt("a load from the libOS's text");
        printf("read 0x%lx\n", (unsigned long)*(volatile uint64_t *)KERNEL_VIRT_BASE);
    } else if (!strcmp(what, "write_satp")) {
        attempt("csrw satp, zero");
        __asm__ volatile("csrw satp, zero");
    } else if (!strcmp(what, "write_stvec")) {
        attempt("csrw stvec, zero");
        __asm__ volatile("csrw stvec, zero");
    } else if (!strcmp(what, "set_sum")) {
        attempt("csrs sstatus, SUM");
        __asm__ volatile("li t0, 1 << 18\n\tcsrs sstatus, t0" ::: "t0");
    } else if (!strcmp(what, "wfi")) {
        attempt("wfi");
        __asm__ volatile("wfi");
    } else if (!strcmp(what, "sret")) {
        attempt("sret");
        __asm__ volatile("sret");
    } else {
        printf("user_hostile: unknown scenario '%s'\n", what);
        return 2;
    }
    printf("still alive after %s\n", what);
    return 0;
}
