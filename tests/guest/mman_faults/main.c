/* Invalid accesses that must end the app with a report and status 139 (137
 * for running out of memory in a fault), one per argument:
 *   write_ro   a write to PROT_READ memory        prot_none  a read of PROT_NONE memory
 *   exec_data  a jump into read-write memory      unmapped   a read after munmap
 *   overflow   unbounded recursion into the main stack's guard page
 *   guard      a read of the guard page itself    oom        touching more than RAM
 *   leaf       a store inside memset (an assembly routine with no frame of its own)
 *   garbage_fp a fault with the frame pointer aimed at device registers (UART)
 *   noncanonical  a read through a pointer overwritten with 'A's
 *   bad_sscratch  a NULL read after writing garbage to sscratch (S-mode can)
 *   zero_sscratch_bad_sp  the same after zeroing sscratch and aiming sp at the NULL page
 *   unmap_stack   munmap of the stack pages the app is running on
 *   dontneed_stack  madvise(MADV_DONTNEED) of them (they read back as zeros) */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include <mm/uvm.h>

#define PG 4096

static char *map(int prot)
{
    char *p = mmap(NULL, 4 * PG, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        printf("mmap failed\n");
        return NULL;
    }
    return p;
}

static int deep(int n)
{
    volatile char frame[1024];
    frame[0] = (char)n;
    return deep(n + 1) + frame[0];
}

static void touch_all(char *p, size_t len)
{
    for (size_t off = 0; off < len; off += PG)
        p[off] = 1;
}

/* This function's stack page and the 4 below it. */
static __attribute__((noinline)) void drop_own_stack(int dontneed)
{
    volatile char here = 0;
    uintptr_t page = (uintptr_t)&here & ~(uintptr_t)(PG - 1);
    void *range = (void *)(page - 4 * PG);
    int r = dontneed ? madvise(range, 5 * PG, MADV_DONTNEED) : munmap(range, 5 * PG);
    here = (char)r;     /* the app's own access: faults (unmapped), or reads zeros */
}

int main(int argc, char **argv)
{
    const char *what = argc > 1 ? argv[1] : "";
    char *p;
    setvbuf(stdout, NULL, _IONBF, 0);
    printf("mman_faults: %s\n", what);
    if (!strcmp(what, "write_ro") && (p = map(PROT_READ | PROT_WRITE))) {
        p[0] = 42;
        mprotect(p, 4 * PG, PROT_READ);
        printf("read back %d\n", p[0]);
        p[PG] = 1;
    } else if (!strcmp(what, "prot_none") && (p = map(PROT_READ | PROT_WRITE))) {
        mprotect(p + PG, PG, PROT_NONE);
        printf("read %d\n", ((volatile char *)p)[PG]);
    } else if (!strcmp(what, "exec_data") && (p = map(PROT_READ | PROT_WRITE))) {
        ((void (*)(void))(void *)p)();
    } else if (!strcmp(what, "unmapped") && (p = map(PROT_READ | PROT_WRITE))) {
        munmap(p, 4 * PG);
        printf("read %d\n", ((volatile char *)p)[0]);
    } else if (!strcmp(what, "overflow")) {
        printf("%d\n", deep(0));
    } else if (!strcmp(what, "guard")) {
        volatile char *guard = (volatile char *)APP_STACK_GUARD;
        printf("read %d\n", guard[0]);
    } else if (!strcmp(what, "leaf") && (p = map(PROT_READ))) {
        memset(p + PG, 1, 64);
    } else if (!strcmp(what, "garbage_fp")) {
        /* UART registers in the direct map: the backtrace must not read them */
        __asm__ volatile("mv s0, %0\n\tld t0, 8(zero)" : : "r"(0xffffffc010000010ull) : "t0", "memory");
    } else if (!strcmp(what, "noncanonical")) {
        volatile char *wild = (volatile char *)0x4141414141414151ull;
        printf("read %d\n", *wild);
    } else if (!strcmp(what, "bad_sscratch")) {
        __asm__ volatile("csrw sscratch, %0\n\tld t0, 8(zero)" : : "r"(0x1234ul) : "t0", "memory");
    } else if (!strcmp(what, "zero_sscratch_bad_sp")) {
        __asm__ volatile("mv t1, sp\n\tcsrw sscratch, zero\n\tli sp, 0x10\n\tld t0, 8(zero)\n\tmv sp, t1"
                         : : : "t0", "t1", "memory");
    } else if (!strcmp(what, "unmap_stack") || !strcmp(what, "dontneed_stack")) {
        drop_own_stack(what[0] == 'd');
    } else if (!strcmp(what, "oom")) {
        size_t len = 1UL << 30;
        p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (p != MAP_FAILED)
            touch_all(p, len);
    }
    printf("still alive\n");
    return 0;
}
