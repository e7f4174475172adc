/* The POSIX forms of the benchmark figures, one program built twice: for
 * Capsule (like every bench image) and as a static glibc program for the
 * reference Linux (docs/linux.md; tools/linux/shim stands in for
 * <arch/csr.h> and <mm/types.h>), so `scons bench os=linux` measures both with the same
 * code under qemu -icount shift=0.  Page faults (demand-zero, zero-page
 * read, its first write, copy-on-write after fork), mmap + munmap of
 * 64 KiB, munmap of touched pages, fork + _exit + waitpid by touched
 * size, a pipe round trip between two processes, a null system call and
 * malloc + free pairs.  Prints "BENCH <key> <instructions>" lines. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <arch/csr.h>
#include <mm/types.h>

#include "../measure.h"

#define PG          4096UL
#define RW          (PROT_READ | PROT_WRITE)
#define ANON        (MAP_PRIVATE | MAP_ANONYMOUS)
#define FEW_REPS    9           /* for the costly figures: the median of these */

static volatile char *fresh(size_t pages)
{
    char *p = mmap(NULL, pages * PG, RW, ANON, -1, 0);
    if (p == MAP_FAILED) {
        printf("mmap failed\n");
        exit(1);
    }
    return p;
}

static void touch(volatile char *m, size_t pages)
{
    for (size_t i = 0; i < pages; i++)
        m[i * PG] = 1;
}

static uint64 median_of(uint64 *v, int n)
{
    qsort(v, (size_t)n, sizeof v[0], cmp_u64);
    return v[n / 2];
}

static void faults(void)
{
    volatile char *m = fresh(REPS);
    report("fault_demand_zero", MEASURE({ m[r_ * PG] = 1; }));
    munmap((void *)m, REPS * PG);
    m = fresh(REPS);
    report("fault_zero_page_read", MEASURE({ sink += m[r_ * PG]; }));
    report("fault_zero_page_first_write", MEASURE({ m[r_ * PG] = 1; }));
    munmap((void *)m, REPS * PG);
}

/* Writes to pages a forked child still shares: each one copies. */
static void cow_after_fork(void)
{
    volatile char *m = fresh(REPS);
    touch(m, REPS);
    int hold[2];
    pipe(hold);
    pid_t c = fork();
    if (c == 0) {
        char b;
        close(hold[1]);
        read(hold[0], &b, 1);       /* until the parent closes its end */
        _exit(0);
    }
    close(hold[0]);
    report("fault_cow_fork", MEASURE({ m[r_ * PG] = 2; }));
    close(hold[1]);
    waitpid(c, NULL, 0);
    munmap((void *)m, REPS * PG);
}

static void mappings(void)
{
    report("mmap_munmap_64k", MEASURE({ void *p = mmap(NULL, 64 * 1024, RW, ANON, -1, 0);
                                        sink += (uint64)p; munmap(p, 64 * 1024); }));
    static const size_t pages[] = { 1, 16, 512 };
    for (unsigned i = 0; i < sizeof pages / sizeof pages[0]; i++) {
        uint64 t[FEW_REPS];
        for (int r = 0; r < FEW_REPS; r++) {
            volatile char *m = fresh(pages[i]);
            touch(m, pages[i]);
            uint64 t0 = rdinstret();
            munmap((void *)m, pages[i] * PG);
            t[r] = rdinstret() - t0 - overhead;
        }
        char key[48];
        snprintf(key, sizeof key, "munmap_touched_%lu", (unsigned long)pages[i]);
        report(key, median_of(t, FEW_REPS));
    }
}

/* fork + the child's _exit + waitpid, the median of FEW_REPS. */
static uint64 fork_exit_wait(void)
{
    uint64 t[FEW_REPS];
    for (int r = 0; r < FEW_REPS; r++) {
        uint64 t0 = rdinstret();
        pid_t c = fork();
        if (c == 0)
            _exit(0);
        waitpid(c, NULL, 0);
        t[r] = rdinstret() - t0 - overhead;
    }
    return median_of(t, FEW_REPS);
}

static void forks(void)
{
    fork_exit_wait();                       /* warm: the stack and data are private again */
    uint64 minimal = fork_exit_wait();
    report("fork_exit_wait_min", minimal);
    static const struct { const char *name; size_t pages; } sizes[] = {
        { "1m", 256 }, { "64m", 16384 },
    };
    for (unsigned i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        volatile char *m = fresh(sizes[i].pages);
        touch(m, sizes[i].pages);
        uint64 t = fork_exit_wait();
        char key[48];
        snprintf(key, sizeof key, "fork_exit_wait_%s", sizes[i].name);
        report(key, t);
        snprintf(key, sizeof key, "fork_per_page_%s", sizes[i].name);
        report(key, (t - minimal) / sizes[i].pages);
        munmap((void *)m, sizes[i].pages * PG);
    }
}

/* The child echoes each byte back until the pipe closes. */
static void ping_pong(void)
{
    int to[2], from[2];
    char b = 'x';
    pipe(to);
    pipe(from);
    pid_t c = fork();
    if (c == 0) {
        close(to[1]);
        close(from[0]);
        while (read(to[0], &b, 1) == 1)
            write(from[1], &b, 1);
        _exit(0);
    }
    close(to[0]);
    close(from[1]);
    for (int i = 0; i < 20; i++) {     /* warm: the child's pages are its own */
        write(to[1], &b, 1);
        read(from[0], &b, 1);
    }
    report("pipe_pingpong", MEASURE({ write(to[1], &b, 1); read(from[0], &b, 1); }));
    close(to[1]);
    waitpid(c, NULL, 0);
    close(from[0]);
}

static void calls(void)
{
    report("null_syscall_getppid", MEASURE({ sink += (uint64)getppid(); }));
    for (int i = 0; i < 20; i++)
        free(malloc(32)), free(malloc(1024));    /* warm */
    report("malloc_free_32", MEASURE({ void *p = malloc(32); sink += (uint64)p; free(p); }));
    report("malloc_free_1024", MEASURE({ void *p = malloc(1024); sink += (uint64)p; free(p); }));
}

int main(void)
{
    overhead = 0;
    overhead = MEASURE({});
    calls();
    faults();
    cow_after_fork();
    mappings();
    forks();
    ping_pong();
    report("done", sink & 1);
    return 0;
}
