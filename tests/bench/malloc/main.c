/* malloc workloads, run under qemu -icount shift=0 by `scons bench`, linked
 * twice: with malloc=libmm and with malloc=newlib.  One boot runs one
 * workload once, on a fresh heap: `args="<workload> instr"` counts its
 * instructions, `args="<workload> peak"` instead samples the frames in use
 * after every operation (peak memory: heap pages touched plus page tables,
 * whatever the allocator took).  Prints "BENCH malloc_<workload>_instr N"
 * or "BENCH malloc_<workload>_peak_kib N". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arch/csr.h>
#include <capsule/sysinfo.h>
#include <mm/types.h>

#define SLOTS       1000
#define CHURN_OPS   20000
#define SMALL_OBJS  20000
#define GROW_BUFS   64
#define QUEUE_LEN   500
#define QUEUE_MSGS  20000

static void *slot[SMALL_OBJS];
static uint64 rng_state;
static uint64 base_free, min_free;
static int sampling;
static volatile uint64 sink;

static uint64 rng(void)
{
    rng_state = rng_state * 6364136223846793005UL + 1442695040888963407UL;
    return rng_state >> 33;
}

/* After each operation in the sampling run: the lowest free-frame count. */
static inline void sample(void)
{
    if (sampling) {
        uint64 f = capsule_free_frames_now();
        if (f < min_free)
            min_free = f;
    }
}

/* Sizes skewed to small: mostly 16..256 B, some up to 4 KiB, rare 32 KiB. */
static size_t churn_size(void)
{
    uint64 r = rng() % 100;
    if (r < 70)
        return 16 + rng() % 240;
    if (r < 97)
        return 256 + rng() % 3840;
    return 4096 + rng() % 28672;
}

static void touch(char *p, size_t n)
{
    if (p) {
        p[0] = 1;
        p[n - 1] = 2;
        sink += (uint64)p;
    }
}

static void churn(void)
{
    for (int i = 0; i < SLOTS; i++) {
        size_t n = churn_size();
        touch(slot[i] = malloc(n), n);
        sample();
    }
    for (int op = 0; op < CHURN_OPS; op++) {
        int i = (int)(rng() % SLOTS);
        free(slot[i]);
        size_t n = churn_size();
        touch(slot[i] = malloc(n), n);
        sample();
    }
    for (int i = 0; i < SLOTS; i++)
        free(slot[i]);
}

static void many_small(void)
{
    for (int i = 0; i < SMALL_OBJS; i++) {
        size_t n = 16 + rng() % 113;
        touch(slot[i] = malloc(n), n);
        sample();
    }
    for (int i = 0; i < SMALL_OBJS; i++)
        free(slot[i]);
}

static void realloc_growth(void)
{
    size_t size[GROW_BUFS] = { 0 };
    for (int step = 0; step < 24; step++) {
        for (int i = 0; i < GROW_BUFS; i++) {
            size_t n = size[i] ? size[i] + size[i] / 2 : 16;
            char *p = realloc(slot[i], n);
            if (p) {
                slot[i] = p;
                size[i] = n;
                touch(p, n);
            }
            sample();
        }
        if (size[0] > 64 * 1024)
            break;
    }
    for (int i = 0; i < GROW_BUFS; i++) {
        free(slot[i]);
        slot[i] = NULL;
    }
}

static void producer_consumer(void)
{
    int head = 0, tail = 0;
    for (int m = 0; m < QUEUE_MSGS; m++) {
        size_t n = 32 + rng() % 993;
        touch(slot[head] = malloc(n), n);
        head = (head + 1) % QUEUE_LEN;
        if (m >= QUEUE_LEN - 1) {
            free(slot[tail]);
            tail = (tail + 1) % QUEUE_LEN;
        }
        sample();
    }
    while (tail != head) {
        free(slot[tail]);
        tail = (tail + 1) % QUEUE_LEN;
    }
}

static uint64 frames_free(void)
{
    return capsule_free_frames();
}

static const struct {
    const char *name;
    void      (*run)(void);
} workloads[] = {
    { "churn", churn }, { "many_small", many_small },
    { "realloc_growth", realloc_growth }, { "producer_consumer", producer_consumer },
};

int main(int argc, char **argv)
{
    if (argc != 3) {
        printf("usage: <workload> instr|peak\n");
        return 2;
    }
    free(malloc(1));    /* the allocator's own set-up is not part of a workload */
    for (unsigned i = 0; i < sizeof workloads / sizeof workloads[0]; i++) {
        if (strcmp(argv[1], workloads[i].name) != 0)
            continue;
        rng_state = i + 1;
        sampling = strcmp(argv[2], "peak") == 0;
        base_free = min_free = frames_free();
        uint64 t0 = rdinstret();
        workloads[i].run();
        uint64 t1 = rdinstret();
        if (sampling)
            printf("BENCH malloc_%s_peak_kib %lu\n", argv[1], (unsigned long)((base_free - min_free) * 4));
        else
            printf("BENCH malloc_%s_instr %lu\n", argv[1], (unsigned long)(t1 - t0));
        printf("BENCH done %lu\n", (unsigned long)(sink & 1));
        return 0;
    }
    printf("unknown workload %s\n", argv[1]);
    return 2;
}
