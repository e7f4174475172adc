/* File benchmarks, run under qemu -icount shift=0 by `scons bench`:
 *   - read() of a 16 MiB file into a buffer, beside memcpy of the same 16
 *     MiB between two buffers (the limit: read copies out of the page
 *     cache), both into memory already touched;
 *   - the first access to a page of a file mapping (MAP_SHARED read, and a
 *     MAP_PRIVATE write, which copies), beside the anonymous demand-zero
 *     fault measured the same way in the same run.
 * Prints "BENCH <key> <instructions>" lines. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <arch/csr.h>
#include <mm/types.h>

#include "../measure.h"

#define PG          4096UL
#define BIG         (16UL << 20)
#define COPY_RUNS   5

static char *touched(size_t len)
{
    char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    if (p == MAP_FAILED) {
        printf("mmap failed\n");
        exit(1);
    }
    memset(p, 1, len);
    return p;
}

/* The smallest of COPY_RUNS measurements of body (whole 16 MiB copies). */
#define BEST_OF(body) ({ uint64 best_ = ~0UL;                       \
        for (int i_ = 0; i_ < COPY_RUNS; i_++) {                   \
            uint64 t0_ = rdinstret();                              \
            body;                                                  \
            uint64 d_ = rdinstret() - t0_;                         \
            best_ = d_ < best_ ? d_ : best_;                       \
        }                                                          \
        best_; })

static void big_read(void)
{
    char *src = touched(BIG), *dst = touched(BIG);
    int fd = open("big", O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (write(fd, src, BIG) != (ssize_t)BIG) {
        printf("write failed\n");
        exit(1);
    }
    report("file_read_16m", BEST_OF({ sink += pread(fd, dst, BIG, 0); }));
    report("memcpy_16m", BEST_OF({ memcpy(dst, src, BIG); sink += dst[BIG - 1]; }));
    report("file_write_16m", BEST_OF({ sink += pwrite(fd, src, BIG, 0); }));
    close(fd);
    unlink("big");
    munmap(src, BIG);
    munmap(dst, BIG);
}

static void faults(void)
{
    int fd = open("pages", O_RDWR | O_CREAT | O_TRUNC, 0644);
    ftruncate(fd, REPS * PG);
    char *warm = mmap(NULL, REPS * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    memset(warm, 2, REPS * PG);                 /* every page in the page cache */
    munmap(warm, REPS * PG);
    volatile char *s = mmap(NULL, REPS * PG, PROT_READ, MAP_SHARED, fd, 0);
    report("fault_file_shared_read", MEASURE({ sink += s[r_ * PG]; }));
    munmap((void *)s, REPS * PG);
    volatile char *w = mmap(NULL, REPS * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    report("fault_file_shared_write", MEASURE({ w[r_ * PG] = 3; }));
    munmap((void *)w, REPS * PG);
    volatile char *p = mmap(NULL, REPS * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    report("fault_file_private_write", MEASURE({ p[r_ * PG] = 4; }));
    munmap((void *)p, REPS * PG);
    close(fd);
    unlink("pages");
    volatile char *a = mmap(NULL, REPS * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    report("fault_anon_demand_zero", MEASURE({ a[r_ * PG] = 1; }));
    munmap((void *)a, REPS * PG);
}

int main(void)
{
    overhead = 0;
    overhead = MEASURE({});
    big_read();
    faults();
    return 0;
}
