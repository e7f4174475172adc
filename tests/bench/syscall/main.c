/* The cost of entering the libOS, built with each priv (scons bench): a
 * null system call (getpid: a function call with priv=supervisor, an ecall
 * round trip with priv=user), clock_gettime, a demand-zero page fault taken
 * by the app, and mmap+munmap of 64 KiB -- POSIX only, so the same source
 * measures both modes.  Prints "BENCH <key> <instructions>" lines. */
#include <stdio.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <mm/types.h>

#include "../measure.h"

#define PG          4096
#define MAP_BYTES   (64 * 1024)

int main(void)
{
    struct timespec ts;
    overhead = 0;
    overhead = MEASURE({});
    report("null_syscall_getpid", MEASURE(sink += (uint64)getpid()));
    report("clock_gettime", MEASURE(clock_gettime(CLOCK_MONOTONIC, &ts)));
    sink += (uint64)ts.tv_nsec;
    volatile char *m = mmap(NULL, (size_t)REPS * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED)
        return 1;
    report("fault_demand_zero", MEASURE({ m[r_ * PG] = 1; }));
    report("mmap_munmap_64k", MEASURE({
        void *p = mmap(NULL, MAP_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        sink += (uint64)p;
        munmap(p, MAP_BYTES);
    }));
    return 0;
}
