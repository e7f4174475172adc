/* What a hostile app tries, one scenario per argument (tests/guest/cases.py
 * checks each exact outcome: status and report lines).  Scenarios that
 * check values print "ok ..." or "FAIL ..." and end with "hostile: N
 * failure(s)" (status 0 when none).  The ones without RISC-V instructions
 * also build on the host (gcc), to see what Linux does.
 *
 * The heap break (the app's own brk/sbrk; stdout is unbuffered, so printf
 * does not call malloc in between):
 *   brk_values       brk(NULL), brk below the start, brk past the address space, then a
 *                    real grow and shrink: ENOMEM for the first three, the break unchanged
 *   sbrk_below_start sbrk back past the heap's start: -1 ENOMEM, the break unchanged
 *   sbrk_hole_fixed  grow, unmap a hole below the break, MAP_FIXED a page in it, grow
 *                    again: the app's page and the heap around it keep their bytes; growth
 *                    into a mapping above the break is ENOMEM; then shrinking below the
 *                    app's page unmaps it and touching it faults (139)
 *   sbrk_heap_gone   the whole grown heap unmapped and a mapping put there: growth starts
 *                    at the old break, the mapping keeps its bytes
 *   sbrk_after_mprotect  the heap's last page made read-only, then sbrk: the new page is
 *                    writable (as on Linux)
 * Heap misuse, reported by the allocator (134):
 *   double_free  free_stack  realloc_freed  free_middle
 * Traps the app causes itself:
 *   wfi          wfi three times, nothing armed by the app: it resumes
 *   wfi_irq_off  wfi with interrupts off (sstatus.SIE clear): it resumes (a pending
 *                interrupt wakes wfi even when it is not taken)
 *   arm_timer    the app arms the timer itself (stimecmp 10 ms ahead, sie.STIE), then
 *                one wfi: the interrupt is handled, it resumes
 *   timer_past   stimecmp written in the past (0), then one wfi: handled, no interrupt
 *                storm, it resumes
 *   timer_never  stimecmp written to UINT64_MAX, then nanosleep(10 ms): the sleep ends
 * Memory exhaustion (run with mem=32M or 64M):
 *   small_blocks    malloc(64) until NULL: ENOMEM, free all, as many again
 *   realloc_grow    realloc doubling until NULL: ENOMEM, the block kept and intact
 *   sbrk_touch      sbrk(1 MiB) and touch it until sbrk says -1: ENOMEM, never killed */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define PRIV_ANON   (MAP_PRIVATE | MAP_ANONYMOUS)
#define RW          (PROT_READ | PROT_WRITE)
#define MIB         (1024 * 1024)

/* brk() is not in every C library build: a weak reference keeps the image
 * linkable, and the scenario says so when it is missing. */
extern int brk(void *addr) __attribute__((weak));

static long pg;
static int failures;

static void check(int ok, const char *what)
{
    printf("%s %s\n", ok ? "ok" : "FAIL", what);
    failures += !ok;
}

static const char *ename(int e)
{
    return e == ENOMEM ? "ENOMEM" : e == EINVAL ? "EINVAL" : e == 0 ? "0" : "another errno";
}

static int filled(const char *p, size_t n, char c)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != c)
            return 0;
    return 1;
}

/* ---- the heap break ------------------------------------------------------ */

static void brk_values(void)
{
    if (!brk) {
        printf("brk: not linked\n");
        failures++;
        return;
    }
    char *start = sbrk(0);
    static const struct { const char *what; uintptr_t addr; } bad[] = {
        { "brk(NULL)", 0 }, { "brk(0x10000)", 0x10000 }, { "brk(past the address space)", UINTPTR_MAX & ~0xfffu },
    };
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        errno = 0;
        int r = brk((void *)bad[i].addr);
        printf("%s: %d %s\n", bad[i].what, r, ename(errno));
        check(r == -1 && errno == ENOMEM && sbrk(0) == start, "ENOMEM, the break unchanged");
    }
    int r = brk(start + 2 * pg);
    check(r == 0 && sbrk(0) == start + 2 * pg, "brk(break + 2 pages): 0, the break moved");
    if (r == 0) {
        memset(start, 0x5a, 2 * pg);
        check(brk(start) == 0 && sbrk(0) == start, "brk(the old break): 0, back");
    }
}

static void sbrk_below_start(void)
{
    char *now = sbrk(0);
    errno = 0;
    void *r = sbrk(-(intptr_t)((uintptr_t)now - 0x10000));
    printf("sbrk(down to 0x10000): %s %s\n", r == (void *)-1 ? "-1" : "moved", ename(errno));
    check(r == (void *)-1 && errno == ENOMEM && sbrk(0) == now, "ENOMEM, the break unchanged");
}

/*   p: heap pages 0..7, pages 2..5 unmapped, the app's page at 3, then 4 more */
static void sbrk_hole_fixed(void)
{
    char *p = sbrk(8 * pg);
    if (p == (void *)-1) {
        check(0, "sbrk(8 pages)");
        return;
    }
    memset(p, 0x11, 8 * pg);
    check(munmap(p + 2 * pg, 4 * pg) == 0, "munmap of heap pages 2..5");
    char *mine = mmap(p + 3 * pg, pg, RW, PRIV_ANON | MAP_FIXED, -1, 0);
    check(mine == p + 3 * pg, "MAP_FIXED page at heap page 3");
    memset(mine, 0x33, pg);
    char *more = sbrk(4 * pg);
    check(more == p + 8 * pg, "sbrk(4 pages) grows from the old break");
    if (more != (void *)-1)
        memset(more, 0x44, 4 * pg);
    check(filled(p, 2 * pg, 0x11) && filled(p + 6 * pg, 2 * pg, 0x11), "the heap around the hole kept its bytes");
    check(filled(mine, pg, 0x33), "the app's page kept its bytes");
    char *above = mmap((char *)sbrk(0) + 2 * pg, pg, RW, PRIV_ANON | MAP_FIXED, -1, 0);
    errno = 0;
    check(above != MAP_FAILED && sbrk(4 * pg) == (void *)-1 && errno == ENOMEM,
          "sbrk(4 pages) into a mapping 2 pages above the break: ENOMEM");
    check(sbrk(2 * pg) != (void *)-1, "sbrk(2 pages), up to that mapping: fine");
    munmap(above, pg);
    check(sbrk(-14 * (intptr_t)pg) == p + 14 * pg && sbrk(0) == p, "sbrk(-14 pages): back to the start");
    printf("hostile: %d failure(s)\n", failures);
    printf("touching the app's page, which the shrink unmapped\n");
    *(volatile char *)mine = 1;
    printf("still alive\n");
}

static void sbrk_heap_gone(void)
{
    char *p = sbrk(4 * pg);
    if (p == (void *)-1) {
        check(0, "sbrk(4 pages)");
        return;
    }
    check(munmap(p, 4 * pg) == 0, "munmap of the whole grown heap");
    char *mine = mmap(p, 2 * pg, RW, PRIV_ANON | MAP_FIXED, -1, 0);
    check(mine == p, "MAP_FIXED mapping where the heap was");
    memset(mine, 0x66, 2 * pg);
    char *more = sbrk(2 * pg);
    check(more == p + 4 * pg, "sbrk(2 pages) grows from the old break");
    if (more != (void *)-1) {
        memset(more, 0x77, 2 * pg);
        check(filled(more, 2 * pg, 0x77), "the new heap pages are writable");
    }
    check(filled(mine, 2 * pg, 0x66), "the app's mapping kept its bytes");
}

static void sbrk_after_mprotect(void)
{
    char *p = sbrk(pg);
    if (p == (void *)-1) {
        check(0, "sbrk(1 page)");
        return;
    }
    check(mprotect(p, pg, PROT_READ) == 0, "mprotect(the heap's last page, PROT_READ)");
    char *q = sbrk(pg);
    check(q == p + pg, "sbrk(1 page)");
    printf("writing the new heap page\n");
    q[0] = 1;
    q[pg - 1] = 2;
    check(q[0] + q[pg - 1] == 3, "the new heap page is writable");
}

/* ---- heap misuse --------------------------------------------------------- */

static void heap_misuse(const char *what)
{
    char *p = malloc(100), *q = malloc(100);
    char local[32];
    if (!strcmp(what, "double_free")) {
        free(p);
        free(p);
    } else if (!strcmp(what, "free_stack")) {
        free(local + 16);
    } else if (!strcmp(what, "realloc_freed")) {
        free(p);
        printf("%p\n", realloc(p, 200));
    } else if (!strcmp(what, "free_middle")) {
        free(p + 16);
    }
    free(q);
}

/* ---- traps the app causes ------------------------------------------------ */

#ifdef __riscv
#define CSR_STIMECMP 0x14d
#define SIE_STIE     (1ul << 5)
#define SSTATUS_SIE  (1ul << 1)

static uint64_t rdtime(void)
{
    uint64_t t;
    __asm__ volatile("rdtime %0" : "=r"(t));
    return t;
}

static void traps(const char *what)
{
    if (!strcmp(what, "wfi")) {
        for (int i = 0; i < 3; i++)
            __asm__ volatile("wfi");
        printf("resumed after 3 wfi\n");
    } else if (!strcmp(what, "wfi_irq_off")) {
        __asm__ volatile("csrc sstatus, %0" :: "r"(SSTATUS_SIE));
        __asm__ volatile("wfi");
        __asm__ volatile("csrs sstatus, %0" :: "r"(SSTATUS_SIE));
        printf("resumed after wfi with interrupts off\n");
    } else if (!strcmp(what, "arm_timer")) {
        __asm__ volatile("csrw %0, %1" :: "i"(CSR_STIMECMP), "r"(rdtime() + 100000));
        __asm__ volatile("csrs sie, %0" :: "r"(SIE_STIE));
        __asm__ volatile("wfi");
        printf("resumed after arming the timer\n");
    } else if (!strcmp(what, "timer_past")) {
        __asm__ volatile("csrw %0, %1" :: "i"(CSR_STIMECMP), "r"(0ul));
        __asm__ volatile("wfi");
        printf("resumed after stimecmp 0\n");
    } else if (!strcmp(what, "timer_never")) {
        __asm__ volatile("csrw %0, %1" :: "i"(CSR_STIMECMP), "r"(~0ul));
        struct timespec ten_ms = { 0, 10 * 1000 * 1000 };
        int r = nanosleep(&ten_ms, NULL);
        printf("nanosleep(10 ms) after stimecmp UINT64_MAX: %d\n", r);
    }
}
#else
static void traps(const char *what)
{
    printf("%s: RISC-V only\n", what);
}
#endif

/* ---- exhaustion ---------------------------------------------------------- */

#define MAX_SMALL (4u << 20)

static void small_blocks(void)
{
    static void *blocks[MAX_SMALL];
    unsigned n = 0, again = 0;
    errno = 0;
    while (n < MAX_SMALL && (blocks[n] = malloc(64)) != NULL)
        memset(blocks[n++], 0x5a, 64);
    int e = errno;
    printf("malloc(64) x %u, then %s\n", n, n < MAX_SMALL ? ename(e) : "the table is full");
    check(n < MAX_SMALL && e == ENOMEM, "NULL with ENOMEM before memory runs out");
    for (unsigned i = 0; i < n; i++)
        free(blocks[i]);
    while (again < n && (blocks[again] = malloc(64)) != NULL)
        again++;
    check(again >= n - n / 16, "after free, about as many again");
    for (unsigned i = 0; i < again; i++)
        free(blocks[i]);
}

static void realloc_grow(void)
{
    size_t size = MIB;
    char *p = malloc(size);
    if (!p) {
        check(0, "malloc(1 MiB)");
        return;
    }
    memset(p, 0x3c, size);
    for (;;) {
        errno = 0;
        char *q = realloc(p, 2 * size);
        if (!q)
            break;
        memset(q + size, 0x3c, size);
        p = q;
        size *= 2;
    }
    int e = errno;
    printf("realloc stopped at %zu MiB with %s\n", 2 * size / MIB, ename(e));
    check(e == ENOMEM, "realloc says NULL with ENOMEM");
    check(filled(p, size, 0x3c), "the block is kept and intact");
    free(p);
}

static void sbrk_touch(void)
{
    unsigned n = 0;
    char *p;
    errno = 0;
    while ((p = sbrk(MIB)) != (void *)-1) {
        memset(p, 0x5a, MIB);
        n++;
    }
    int e = errno;
    printf("sbrk(1 MiB) and touched x %u, then -1 %s\n", n, ename(e));
    check(n > 0 && e == ENOMEM, "sbrk says -1 with ENOMEM before memory runs out");
    check(sbrk(-(intptr_t)n * MIB) != (void *)-1, "and gives it all back");
}

int main(int argc, char **argv)
{
    const char *what = argc > 1 ? argv[1] : "";
    setvbuf(stdout, NULL, _IONBF, 0);
    pg = sysconf(_SC_PAGESIZE);
    if (!strcmp(what, "brk_values"))
        brk_values();
    else if (!strcmp(what, "sbrk_below_start"))
        sbrk_below_start();
    else if (!strcmp(what, "sbrk_hole_fixed"))
        sbrk_hole_fixed();
    else if (!strcmp(what, "sbrk_heap_gone"))
        sbrk_heap_gone();
    else if (!strcmp(what, "sbrk_after_mprotect"))
        sbrk_after_mprotect();
    else if (!strcmp(what, "double_free") || !strcmp(what, "free_stack") ||
             !strcmp(what, "realloc_freed") || !strcmp(what, "free_middle"))
        heap_misuse(what);
    else if (!strncmp(what, "wfi", 3) || !strncmp(what, "timer", 5) || !strcmp(what, "arm_timer"))
        traps(what);
    else if (!strcmp(what, "small_blocks"))
        small_blocks();
    else if (!strcmp(what, "realloc_grow"))
        realloc_grow();
    else if (!strcmp(what, "sbrk_touch"))
        sbrk_touch();
    else
        return 2;
    printf("hostile: %d failure(s)\n", failures);
    return failures != 0;
}
