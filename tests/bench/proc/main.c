/* Process benchmarks, run under qemu -icount shift=0 by `scons bench` (with
 * RAM for 1 GiB of touched memory): fork + the child's _exit + waitpid of a
 * minimal process and of a parent that touched 1 MiB, 64 MiB and 1 GiB (4
 * KiB pages, and 2 MiB leaves), beside an eager copy of the same memory
 * made in this image the way xv6's fork makes it (a frame, a 4 KiB copy and
 * a mapping per page); a pipe ping-pong round trip between two processes;
 * a context switch with and without a TLB flush.  Prints "BENCH <key> <n>". */
#include <stdio.h>
#include <stdlib.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <arch/context.h>
#include <arch/csr.h>
#include <mm/page.h>
#include <mm/space.h>
#include <mm/uvm.h>
#include <mm/vm.h>

#include "../measure.h"

#define PG      4096UL
#define MB2     (2UL << 20)
#define RW      (PROT_READ | PROT_WRITE)
#define FORK_REPS 9             /* fork+exit+wait of big parents: the median of these */

/* Instructions of one fork + child _exit + waitpid, the median of reps. */
static uint64 fork_exit_wait(int reps)
{
    uint64 best[FORK_REPS * 3];
    for (int r = 0; r < reps; r++) {
        uint64 t0 = rdinstret();
        pid_t c = fork();
        if (c == 0)
            _exit(0);
        waitpid(c, NULL, 0);
        best[r] = rdinstret() - t0;
    }
    qsort(best, (size_t)reps, sizeof best[0], cmp_u64);
    return best[reps / 2];
}

/* A mapping of bytes, every page written: 4 KiB leaves (MAP_STACK keeps
 * them small) or, populated and 2 MiB-aligned, 2 MiB leaves. */
static char *touched(uint64 bytes, int huge)
{
    if (!huge) {
        char *p = mmap(NULL, bytes, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
        for (uint64 o = 0; p != MAP_FAILED && o < bytes; o += PG)
            p[o] = 1;
        return p == MAP_FAILED ? NULL : p;
    }
    char *area = mmap(NULL, bytes + MB2, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (area == MAP_FAILED)
        return NULL;
    char *h = (char *)(((uint64)area + MB2 - 1) & ~(MB2 - 1));
    munmap(area, (uint64)(h - area));
    munmap(h + bytes, MB2 - (uint64)(h - area));
    mmap(h, bytes, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_POPULATE, -1, 0);
    return h;
}

/* xv6's fork of [p, p + bytes): per 4 KiB page a new frame, a copy and a
 * mapping into a fresh table; then the table is freed.  Instructions. */
static uint64 eager_copy(char *p, uint64 bytes)
{
    pagetable_t child = uvmmake(0);
    uint64 t0 = rdinstret();
    for (uint64 o = 0; o < bytes; o += PG) {
        void *frame = page_alloc(0);
        if (!frame) {
            printf("eager copy: out of memory\n");
            exit(1);
        }
        page_copy(frame, (void *)phys_to_virt(walkaddr(uvm_current(), (uint64)p + o)));
        mappages(child, (uint64)p + o, virt_to_phys((uint64)frame), PG, PTE_RW);
    }
    uint64 t = rdinstret() - t0;
    uvmfree(child, USER_END);
    return t;
}

static void fork_sizes(uint64 minimal)
{
    static const struct { const char *name; uint64 bytes; } sizes[] = {
        { "1m", 1UL << 20 }, { "64m", 64UL << 20 }, { "1g", 1UL << 30 },
    };
    for (unsigned i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        for (int huge = 0; huge < (sizes[i].bytes >= MB2 ? 2 : 1); huge++) {
            char key[64];
            uint64 bytes = sizes[i].bytes;
            char *p = touched(bytes, huge);
            if (!p) {
                printf("no memory for %s\n", sizes[i].name);
                exit(1);
            }
            uint64 t = fork_exit_wait(FORK_REPS);
            snprintf(key, sizeof key, "fork_exit_wait_%s_%s", sizes[i].name, huge ? "2m" : "4k");
            report(key, t);
            snprintf(key, sizeof key, "fork_per_%s_%s", huge ? "2m_leaf" : "4k_pte", sizes[i].name);
            report(key, (t - minimal) / (huge ? bytes / MB2 : bytes / PG));
            if (!huge || bytes < (1UL << 30)) {
                snprintf(key, sizeof key, "eager_copy_%s_%s", sizes[i].name, huge ? "2m" : "4k");
                report(key, eager_copy(p, bytes));
            }
            munmap(p, bytes);
        }
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
    for (int i = 0; i < 20; i++) {     /* warm: the child's pages are its own */
        write(to[1], &b, 1);
        read(from[0], &b, 1);
    }
    report("pipe_pingpong", MEASURE({ write(to[1], &b, 1); read(from[0], &b, 1); }));
    close(to[1]);
    waitpid(c, NULL, 0);
    close(to[0]), close(from[0]), close(from[1]);
}

/* Two processes yielding to each other: a round trip is two switches. */
static void switches(void)
{
    int go[2];
    pipe(go);
    pid_t c = fork();
    if (c == 0) {
        char b;
        read(go[0], &b, 1);
        for (;;)
            sched_yield();
    }
    write(go[1], "!", 1);
    for (int i = 0; i < 20; i++)
        sched_yield();
    report("asid_bits", arch_asid_bits());
    report("switch_no_flush", MEASURE({ sched_yield(); }) / 2);
    mm_asid_init(0);                        /* every switch flushes the TLB */
    report("switch_flush", MEASURE({ sched_yield(); }) / 2);
    mm_asid_init(arch_asid_bits());
    kill(c, SIGKILL);
    waitpid(c, NULL, 0);
    close(go[0]), close(go[1]);
}

int main(void)
{
    overhead = 0;
    overhead = MEASURE({});
    fork_exit_wait(3);                      /* warm: the stack and data are private again */
    uint64 minimal = fork_exit_wait(FORK_REPS);
    report("fork_exit_wait_min", minimal);
    switches();
    ping_pong();
    fork_sizes(minimal);
    return 0;
}
