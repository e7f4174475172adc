/* fork's copy-on-write as Linux's selftests/mm cow.c checks it (the
 * scenarios re-implemented), and fork's failure rules; each scenario ends
 * with the free-frame count back at its baseline once its children are
 * reaped:
 *   private/shared      MAP_PRIVATE parts after fork, MAP_SHARED stays one
 *                       memory (4 KiB pages and a 2 MiB leaf), both ways,
 *                       pages never touched before fork included
 *   zero page           a page only read before fork reads 0 in the parent
 *                       after the child wrote it
 *   2 MiB leaves        a populated 2 MiB leaf written by the child, and by
 *                       the parent first, each keeps its own bytes
 *   mprotect            PROT_READ in the child: its write faults (139, a
 *                       report naming its pid) and the parent goes on;
 *                       PROT_READ then back to RW: the write lands privately
 *   child OOM           a child writing pages shared with a parent that
 *                       touched 2/3 of memory runs out: SIGKILL (137) for it
 *                       only, the parent's memory intact
 *   fork ENOMEM         with almost no frame free fork fails with ENOMEM or
 *                       succeeds; nothing leaks either way */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <mm/kalloc.h>
#include <mm/page.h>

#include "../common/check.h"

#define PG      4096UL
#define MB2     (2UL << 20)
#define RW      (PROT_READ | PROT_WRITE)

/* Wait for child c: its wait status. */
static int status_of(pid_t c)
{
    int st = -1;
    if (waitpid(c, &st, 0) != c)
        return -1;
    return st;
}

static int exited_with(pid_t c, int code)
{
    int st = status_of(c);
    return WIFEXITED(st) && WEXITSTATUS(st) == code;
}

static void private_and_shared(void)
{
    char *priv = mmap(NULL, PG, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *shared = mmap(NULL, PG, RW, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    int go[2];
    CHECK(pipe(go) == 0);
    priv[0] = 'p';
    shared[0] = 's';
    unsigned long base = free_frames();
    pid_t c = fork();
    if (c == 0) {
        char b;
        int bad = priv[0] != 'p' || shared[0] != 's';
        priv[0] = 'P';
        shared[0] = 'S';
        read(go[0], &b, 1);                 /* the parent has written shared[1] */
        bad |= shared[1] != 'x';
        _exit(bad);
    }
    CHECK(shared[0] == 'S' || shared[0] == 's');    /* the child may not have run yet */
    shared[1] = 'x';
    CHECK(write(go[1], "!", 1) == 1);
    CHECK(exited_with(c, 0));
    CHECK(priv[0] == 'p');                  /* private: the child's write stayed its own */
    CHECK(shared[0] == 'S');                /* shared: the child's write is ours */
    CHECK(free_frames() == base);
    CHECK(close(go[0]) == 0 && close(go[1]) == 0);
    munmap(priv, PG);
    munmap(shared, PG);
    printf("private/shared: MAP_PRIVATE parted, MAP_SHARED stayed one memory\n");
}

/* A 2 MiB-aligned block of 2 MiB cut from a fresh 4 MiB mapping of flags
 * (*area; the rest is unmapped), populated (one 2 MiB leaf) and filled with
 * each page's index. */
static char *huge_block(int flags, char **area)
{
    *area = mmap(NULL, 2 * MB2, RW, flags | MAP_ANONYMOUS, -1, 0);
    char *h = (char *)(((uintptr_t)*area + MB2 - 1) & ~(MB2 - 1));
    CHECK(mmap(h, MB2, RW, flags | MAP_ANONYMOUS | MAP_FIXED | MAP_POPULATE, -1, 0) == h);
    munmap(*area, (uintptr_t)(h - *area));                  /* only the block stays */
    munmap(h + MB2, (uintptr_t)(*area + 2 * MB2 - (h + MB2)));
    for (unsigned long o = 0; o < MB2; o += PG)
        h[o] = (char)(o / PG);
    return h;
}

static int block_intact(const char *h, unsigned long except)
{
    for (unsigned long o = 0; o < MB2; o += PG)
        if (o != except && h[o] != (char)(o / PG))
            return 0;
    return 1;
}

/* A MAP_SHARED page nobody touched before fork is still one page after. */
static void shared_untouched(void)
{
    volatile char *s = mmap(NULL, 2 * PG, RW, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    pid_t c = fork();
    if (c == 0) {
        s[PG] = 'c';
        _exit(0);
    }
    CHECK(exited_with(c, 0));
    CHECK(s[PG] == 'c');
    s[0] = 'p';
    c = fork();
    if (c == 0)
        _exit(s[0] == 'p' ? 0 : 1);
    CHECK(exited_with(c, 0));
    munmap((void *)s, 2 * PG);
    printf("shared, untouched before fork: the child's write is the parent's\n");
}

static void shared_huge(void)
{
    char *area, *h = huge_block(MAP_SHARED, &area);
    unsigned long base = free_frames();
    pid_t c = fork();
    if (c == 0) {
        h[7 * PG] = 77;
        _exit(!block_intact(h, 7 * PG));
    }
    CHECK(exited_with(c, 0));
    CHECK(h[7 * PG] == 77 && block_intact(h, 7 * PG));
    CHECK(free_frames() == base);
    munmap(area, 2 * MB2);
    printf("shared 2 MiB leaf: the child's write is the parent's\n");
}

static void zero_page(void)
{
    volatile char *z = mmap(NULL, PG, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(z[10] == 0);                      /* the shared zero page */
    unsigned long base = free_frames();
    pid_t c = fork();
    if (c == 0) {
        z[10] = 5;
        _exit(z[10] == 5 ? 0 : 1);
    }
    CHECK(exited_with(c, 0));
    CHECK(z[10] == 0);
    CHECK(free_frames() == base);
    z[10] = 6;
    CHECK(z[10] == 6);
    munmap((void *)z, PG);
    printf("zero page: the child's write stayed its own\n");
}

static void huge_leaves(void)
{
    char *area, *h = huge_block(MAP_PRIVATE, &area);
    int go[2];
    CHECK(pipe(go) == 0);
    unsigned long base = free_frames();
    pid_t c = fork();
    if (c == 0) {
        h[5 * PG] = 55;                     /* the child writes first */
        _exit(!(h[5 * PG] == 55 && block_intact(h, 5 * PG)));
    }
    CHECK(exited_with(c, 0));
    CHECK(block_intact(h, ~0UL));
    c = fork();
    if (c == 0) {
        char b;
        read(go[0], &b, 1);                 /* the parent has written first */
        _exit(!block_intact(h, ~0UL));
    }
    h[9 * PG] = 99;
    CHECK(write(go[1], "!", 1) == 1);
    CHECK(exited_with(c, 0));
    CHECK(h[9 * PG] == 99 && block_intact(h, 9 * PG));
    /* The parent's write split its leaf while the child shared the block:
     * 511 pages of it, the copy of page 9 and one level-0 table (the pages
     * stay copy-on-write, so it does not collapse back). */
    CHECK(free_frames() == base - 1);
    CHECK(close(go[0]) == 0 && close(go[1]) == 0);
    munmap(area, 2 * MB2);
    printf("2 MiB leaves: written by either side first, each kept its bytes\n");
}

static void mprotect_after_fork(void)
{
    char *m = mmap(NULL, PG, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    m[0] = 'a';
    unsigned long base = free_frames();
    pid_t c = fork();
    if (c == 0) {
        mprotect(m, PG, PROT_READ);
        m[0] = 'b';                         /* faults: the child ends with 139 */
        _exit(0);
    }
    int st = status_of(c);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV);
    c = fork();
    if (c == 0) {
        int bad = mprotect(m, PG, PROT_READ) != 0 || mprotect(m, PG, RW) != 0;
        m[0] = 'c';
        _exit(bad || m[0] != 'c');
    }
    CHECK(exited_with(c, 0));
    CHECK(m[0] == 'a');
    CHECK(free_frames() == base);
    munmap(m, PG);
    printf("mprotect after fork: the read-only write faulted in the child only; back to RW it was private\n");
}

static void child_oom(void)
{
    unsigned long base = free_frames();
    unsigned long sz = base / 3 * 2 * PG;
    char *p = sbrk((long)sz);
    CHECK(p != (char *)-1);
    if (p == (char *)-1)
        return;
    for (unsigned long o = 0; o < sz; o += PG)
        p[o] = 1;
    pid_t c = fork();
    if (c == 0) {
        for (unsigned long o = 0; o < sz; o += PG)
            p[o] = 2;                       /* runs out of frames half way */
        _exit(0);
    }
    int st = status_of(c);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
    unsigned long bad = 0;
    for (unsigned long o = 0; o < sz; o += PG)
        bad += p[o] != 1;
    CHECK(bad == 0);
    CHECK(sbrk(-(long)sz) != (char *)-1);
    CHECK(free_frames() == base);
    printf("child OOM: the child ended with SIGKILL, the parent's %lu pages intact\n", sz / PG);
}

/* Map populated pages one at a time (mmap's populate stops quietly when
 * memory runs out, so this never faults) until at most keep frames are free. */
static void hoard(unsigned long keep)
{
    unsigned long was = free_frames() + 1;
    while (free_frames() > keep && free_frames() < was) {
        was = free_frames();
        if (mmap(NULL, PG, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0) == MAP_FAILED)
            break;
    }
}

/* A tester process takes every free frame but keep (in its own mappings,
 * so they go back when it ends), then forks: exit 10 when fork failed with
 * ENOMEM, 12 when it worked (then the tester or its child may find no frame
 * for a write and end with SIGKILL, as under Linux's OOM killer).  Every
 * process is reaped; then the free frames must be back at the baseline. */
static void fork_enomem(void)
{
    unsigned long base = free_frames();
    int failed = 0, forked = 0;
    for (unsigned long keep = 0; keep < 64; keep += 2) {
        pid_t t = fork();
        if (t == 0) {
            hoard(keep);
            pid_t c = fork();
            if (c == 0)
                _exit(0);
            _exit(c > 0 ? 12 : errno == ENOMEM ? 10 : 11);
        }
        int st = status_of(t);
        CHECK((WIFEXITED(st) && (WEXITSTATUS(st) == 10 || WEXITSTATUS(st) == 12)) ||
              (WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL));
        failed += WIFEXITED(st) && WEXITSTATUS(st) == 10;
        forked += !(WIFEXITED(st) && WEXITSTATUS(st) == 10);
        while (wait(NULL) > 0)
            ;                               /* an orphaned child of the tester */
        CHECK(free_frames() == base);
    }
    CHECK(failed > 0 && forked > 0);
    printf("fork ENOMEM: %d forks failed with ENOMEM, %d succeeded, nothing leaked\n", failed, forked);
}

int main(int argc, char **argv)
{
    const char *which = argc > 1 ? argv[1] : "all";
    static const struct { const char *name; void (*fn)(void); } cases[] = {
        { "private_shared", private_and_shared }, { "shared_untouched", shared_untouched },
        { "shared_huge", shared_huge },
        { "zero_page", zero_page }, { "huge_leaves", huge_leaves },
        { "mprotect", mprotect_after_fork }, { "child_oom", child_oom },
        { "fork_enomem", fork_enomem },
    };
    setvbuf(stdout, NULL, _IONBF, 0);
    printf("cow_fork: %s\n", which);
    for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (strcmp(which, "all") == 0 || strcmp(which, cases[i].name) == 0)
            cases[i].fn();
    printf("cow_fork: %d failure(s)\n", failures);
    return failures != 0;
}
