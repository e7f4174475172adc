/* malloc when memory runs out (run with mem=32M): NULL with ENOMEM, never
 * the app killed in a fault; after everything is freed, as much can be
 * allocated again.  With "touch", every block is written in full first. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK_BYTES (1u << 20)
#define MAX_BLOCKS  16384

static void *blocks[MAX_BLOCKS];

/* Allocate 1 MiB blocks until malloc says NULL; returns how many it gave. */
static int fill(int touch, int *err)
{
    int n = 0;
    errno = 0;
    while (n < MAX_BLOCKS && (blocks[n] = malloc(BLOCK_BYTES)) != NULL) {
        if (touch)
            memset(blocks[n], 0x5a, BLOCK_BYTES);
        n++;
    }
    *err = errno;
    return n;
}

static void drain(int n)
{
    for (int i = 0; i < n; i++)
        free(blocks[i]);
}

int main(int argc, char **argv)
{
    int touch = argc > 1 && !strcmp(argv[1], "touch"), e1, e2, failures = 0;
    int n1 = fill(touch, &e1);
    drain(n1);
    int n2 = fill(touch, &e2);
    drain(n2);
    printf("first round: %d blocks, then NULL with %s\n", n1, e1 == ENOMEM ? "ENOMEM" : "another errno");
    printf("second round: %d blocks\n", n2);
    failures += n1 < 4 || n1 >= MAX_BLOCKS || e1 != ENOMEM || e2 != ENOMEM;
    failures += n2 < n1 - 1;                      /* everything came back */
    errno = 0;
    void *huge = calloc(1, 64ull << 30);
    printf("calloc(1, 64 GiB): %s %s\n", huge ? "a block" : "NULL", errno == ENOMEM ? "ENOMEM" : "");
    failures += huge != NULL || errno != ENOMEM;
    printf("malloc_exhaust: %d failure(s)\n", failures);
    return failures != 0;
}
