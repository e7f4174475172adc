/* Copy-on-write fork, the scenarios of xv6's cowtest (re-implemented from
 * their description), each ending with the free-frame count back at its
 * baseline once every child is reaped:
 *   simple    touch 2/3 of free memory, fork, the child exits at once;
 *             twice in a row (only copy-on-write makes room for the copies)
 *   three     three processes each write every page of a quarter of memory
 *   file      children read() from a pipe into a buffer shared after fork:
 *             the copy inside the libOS breaks the share, each child sees
 *             its own bytes and the parent's buffer stays as it was
 *   forkfork  nested forks, many rounds
 * Argument: the scenario's name, or none for all. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <mm/kalloc.h>
#include <mm/page.h>

#include "../common/check.h"

#define PG 4096UL

/* Wait for one child; its exit code (-1 when it did not exit normally). */
static int reap(void)
{
    int st = 0;
    if (wait(&st) < 0)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void simple(void)
{
    unsigned long base = free_frames();
    unsigned long sz = base / 3 * 2 * PG;
    char *p = sbrk((long)sz);
    CHECK(p != (char *)-1);
    if (p == (char *)-1)
        return;
    for (unsigned long o = 0; o < sz; o += PG)
        p[o] = (char)(o / PG);
    for (int round = 0; round < 2; round++) {
        pid_t c = fork();
        CHECK(c >= 0);
        if (c == 0)
            _exit(0);
        CHECK(reap() == 0);
    }
    unsigned long bad = 0;
    for (unsigned long o = 0; o < sz; o += PG)
        bad += p[o] != (char)(o / PG);
    CHECK(bad == 0);
    CHECK(sbrk(-(long)sz) != (char *)-1);
    CHECK(free_frames() == base);
    printf("simple: forked twice with %lu of %lu free pages touched\n", sz / PG, base);
}

/* Write every page of [p, p + sz) with v, then check them all: 0 or 1. */
static int fill_and_check(char *p, unsigned long sz, int v)
{
    for (unsigned long o = 0; o < sz; o += PG)
        *(int *)(p + o) = v;
    for (unsigned long o = 0; o < sz; o += PG)
        if (*(int *)(p + o) != v)
            return 1;
    return 0;
}

static void three(void)
{
    unsigned long base = free_frames();
    unsigned long sz = base / 4 * PG;
    char *p = sbrk((long)sz);
    CHECK(p != (char *)-1);
    if (p == (char *)-1)
        return;
    pid_t c1 = fork();
    CHECK(c1 >= 0);
    if (c1 == 0) {
        pid_t c2 = fork();
        if (c2 == 0)
            _exit(fill_and_check(p, sz, getpid()));
        int r = fill_and_check(p, sz, getpid());
        _exit(r | (reap() != 0));
    }
    CHECK(fill_and_check(p, sz, getpid()) == 0);
    CHECK(reap() == 0);
    CHECK(fill_and_check(p, sz, 1) == 0);
    CHECK(sbrk(-(long)sz) != (char *)-1);
    CHECK(free_frames() == base);
    printf("three: three processes wrote %lu pages each\n", sz / PG);
}

static char shared_buf[PG];     /* written before fork: shared copy-on-write after it */

static void file(void)
{
    enum { CHILDREN = 4 };
    int fds[2];
    memset(shared_buf, 'p', sizeof shared_buf);
    unsigned long base = free_frames();
    CHECK(pipe(fds) == 0);
    for (int i = 0; i < CHILDREN; i++) {
        pid_t c = fork();
        CHECK(c >= 0);
        if (c == 0) {
            int v = -1;
            if (read(fds[0], shared_buf + 100, sizeof v) != (long)sizeof v)
                _exit(2);
            memcpy(&v, shared_buf + 100, sizeof v);
            _exit(v == i ? 0 : 3);
        }
        CHECK(write(fds[1], &i, sizeof i) == (long)sizeof i);
        CHECK(reap() == 0);     /* in turn: child i reads i */
    }
    int untouched = 1;
    for (unsigned i = 0; i < sizeof shared_buf; i++)
        untouched &= shared_buf[i] == 'p';
    CHECK(untouched);
    CHECK(close(fds[0]) == 0 && close(fds[1]) == 0);
    CHECK(free_frames() == base);
    printf("file: %d children read into a shared page, the parent's stayed\n", CHILDREN);
}

static void forkfork(void)
{
    enum { ROUNDS = 50, DEPTH = 3 };
    unsigned long base = free_frames();
    for (int r = 0; r < ROUNDS; r++) {
        pid_t c = fork();
        CHECK(c >= 0);
        if (c == 0) {
            int bad = 0;
            for (int d = 0; d < DEPTH; d++) {
                pid_t g = fork();
                if (g < 0)
                    _exit(9);
                if (g > 0) {
                    bad |= reap() != 0;
                    _exit(bad);
                }
            }
            _exit(0);
        }
        CHECK(reap() == 0);
    }
    CHECK(free_frames() == base);
    printf("forkfork: %d rounds of %d nested forks\n", ROUNDS, DEPTH);
}

int main(int argc, char **argv)
{
    const char *which = argc > 1 ? argv[1] : "all";
    printf("cowtest: %s\n", which);
    int all = strcmp(which, "all") == 0;
    if (all || strcmp(which, "simple") == 0)
        simple();
    if (all || strcmp(which, "three") == 0)
        three();
    if (all || strcmp(which, "file") == 0)
        file();
    if (all || strcmp(which, "forkfork") == 0)
        forkfork();
    CHECK(wait(NULL) == -1);
    printf("cowtest: %d failure(s)\n", failures);
    return failures != 0;
}
