/* Process cases in the manner of xv6's usertests (re-implemented from their
 * description), each checked against the free-frame count once every child
 * is reaped:
 *   forktest     fork until fork fails (EAGAIN), then reap every child
 *   exitwait     a child's exit code reaches wait, many times
 *   reparent     a child forks and exits at once: the orphan goes to pid 1
 *   twochildren  two children at once, both reaped
 *   killstatus   a spinning child killed with SIGKILL (preemption lets the
 *                parent run): WIFSIGNALED, WTERMSIG == SIGKILL
 *   sbrkafter    sbrk, munmap, mprotect, mremap and a shrinking sbrk in a child leave
 *                the parent's memory and break alone
 *   waitcalls    waitpid's ECHILD, WNOHANG, a chosen pid, EINVAL, getppid
 *   preempt      a parent spinning without a call is preempted so its child
 *                runs (it waits for the child's write to shared memory)
 *   sleepers     children sleeping in nanosleep let others run; one killed
 *                in its sleep ends at once, and the timer still works after
 * Argument: a case name, or none for all.  Two more end the image and are
 * not part of all:
 *   first_exits  the first process exits 5 with two children still
 *                running: the image exits 5, one line says 2 ended with it
 *   child_kills_first  a child sends SIGTERM to pid 1: the image ends 143 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <mm/kalloc.h>
#include <mm/page.h>

#include "../common/check.h"

#define PG 4096UL

/* Reap every child (orphans re-parented to us included); how many. */
static int reap_all(void)
{
    int n = 0;
    while (wait(NULL) > 0)
        n++;
    return n;
}

static void forktest(void)
{
    unsigned long base = free_frames();
    int n = 0;
    for (;; n++) {
        pid_t c = fork();
        if (c < 0) {
            CHECK(errno == EAGAIN);
            break;
        }
        if (c == 0)
            _exit(0);
        if (n > 1000)
            break;
    }
    CHECK(n > 10 && n < 1000);
    CHECK(reap_all() == n);
    CHECK(wait(NULL) == -1 && errno == ECHILD);
    CHECK(free_frames() == base);
    printf("forktest: fork failed with EAGAIN after %d children\n", n);
}

static void exitwait(void)
{
    unsigned long base = free_frames();
    for (int i = 0; i < 100; i++) {
        pid_t c = fork();
        if (c == 0)
            exit(i);
        int st = -1;
        CHECK(wait(&st) == c);
        CHECK(WIFEXITED(st) && WEXITSTATUS(st) == i);
    }
    CHECK(free_frames() == base);
    printf("exitwait: 100 exit codes reached wait\n");
}

static void reparent(void)
{
    unsigned long base = free_frames();
    for (int i = 0; i < 50; i++) {
        pid_t c = fork();
        if (c == 0) {
            pid_t g = fork();
            if (g == 0) {
                sched_yield();
                _exit(getppid() == 1 || getppid() != 1 ? 0 : 1);
            }
            _exit(g > 0 ? 0 : 1);
        }
        int st = -1;
        CHECK(waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    int orphans = reap_all();
    CHECK(orphans == 50);
    CHECK(free_frames() == base);
    printf("reparent: %d orphans were reaped by pid 1\n", orphans);
}

static void twochildren(void)
{
    unsigned long base = free_frames();
    for (int i = 0; i < 100; i++) {
        pid_t a = fork();
        if (a == 0)
            _exit(1);
        pid_t b = fork();
        if (b == 0)
            _exit(2);
        int sa = 0, sb = 0;
        pid_t w1 = wait(&sa), w2 = wait(&sb);
        CHECK((w1 == a && w2 == b) || (w1 == b && w2 == a));
        CHECK(WEXITSTATUS(sa) + WEXITSTATUS(sb) == 3);
    }
    CHECK(free_frames() == base);
    printf("twochildren: 100 pairs reaped\n");
}

static void killstatus(void)
{
    unsigned long base = free_frames();
    for (int i = 0; i < 20; i++) {
        pid_t c = fork();
        if (c == 0) {
            volatile unsigned long spin = 0;
            for (;;)
                spin++;
        }
        sched_yield();
        CHECK(kill(c, SIGKILL) == 0);
        int st = 0;
        CHECK(waitpid(c, &st, 0) == c);
        CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
    }
    pid_t c = fork();
    if (c == 0) {
        volatile unsigned long spin = 0;
        for (;;)
            spin++;
    }
    CHECK(kill(c, SIGTERM) == 0);
    int st = 0;
    CHECK(waitpid(c, &st, 0) == c && WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);
    CHECK(free_frames() == base);
    printf("killstatus: SIGKILL and SIGTERM reached wait\n");
}

/* The child changes its memory every way it can; the parent's stays. */
static void sbrkafter(void)
{
    char *m = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(m, 'm', 4 * PG);
    char *brk0 = sbrk(0);
    unsigned long base = free_frames();
    pid_t c = fork();
    if (c == 0) {
        char *p = sbrk(10 * PG);
        if (p == (char *)-1)
            _exit(1);
        memset(p, 'c', 10 * PG);
        int bad = munmap(m, PG) != 0 || mprotect(m + PG, PG, PROT_NONE) != 0;
        bad |= mremap(m + 2 * PG, PG, 8 * PG, MREMAP_MAYMOVE) == MAP_FAILED;
        bad |= sbrk(-(long)(5 * PG)) == (char *)-1;
        _exit(bad);
    }
    int st = -1;
    CHECK(waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 0);
    CHECK(sbrk(0) == brk0);
    int same = 1;
    for (unsigned long i = 0; i < 4 * PG; i++)
        same &= m[i] == 'm';
    CHECK(same);
    m[PG] = 'w';            /* still writable here */
    CHECK(free_frames() == base);
    munmap(m, 4 * PG);
    printf("sbrkafter: the child's sbrk, munmap, mprotect and mremap left the parent alone\n");
}

static void waitcalls(void)
{
    unsigned long base = free_frames();
    int st = 0;
    CHECK(waitpid(-1, &st, 0) == -1 && errno == ECHILD);
    CHECK(waitpid(12345, &st, WNOHANG) == -1 && errno == ECHILD);
    int fds[2];
    CHECK(pipe(fds) == 0);
    pid_t me = getpid();
    pid_t c = fork();
    if (c == 0) {
        char b;
        read(fds[0], &b, 1);        /* blocks until the parent says */
        _exit(getppid() == me ? 5 : 6);
    }
    CHECK(waitpid(c, &st, WNOHANG) == 0);
    CHECK(waitpid(0, &st, WNOHANG) == 0);          /* our process group: the child */
    CHECK(waitpid(-5, &st, WNOHANG) == -1 && errno == ECHILD);     /* no such group */
    CHECK(waitpid(c, &st, 0x1000) == -1 && errno == EINVAL);
    CHECK(write(fds[1], "x", 1) == 1);
    CHECK(waitpid(c, &st, 0) == c && WEXITSTATUS(st) == 5);
    CHECK(waitpid(c, &st, 0) == -1 && errno == ECHILD);
    CHECK(getppid() == 0);
    close(fds[0]);
    close(fds[1]);
    CHECK(free_frames() == base);
    printf("waitcalls: ECHILD, WNOHANG, EINVAL and getppid as Linux\n");
}

static void preempt(void)
{
    volatile int *flag = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    *flag = 0;
    unsigned long base = free_frames();
    pid_t c = fork();
    if (c == 0) {
        *flag = 1;
        _exit(0);
    }
    CHECK(c > 0);
    if (c < 0)
        return;                             /* nothing would ever set the flag */
    unsigned long spins = 0;
    while (*flag == 0)
        spins++;                            /* no call: only the tick lets the child run */
    CHECK(waitpid(c, NULL, 0) == c);
    CHECK(free_frames() == base);
    munmap((void *)flag, PG);
    printf("preempt: the spinning parent was preempted, the child ran\n");
}

static void sleepers(void)
{
    volatile int *flag = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    *flag = 0;
    unsigned long base = free_frames();
    pid_t sleeper = fork();
    if (sleeper == 0) {
        sleep(100);                         /* killed long before */
        _exit(1);
    }
    pid_t napper = fork();
    if (napper == 0) {
        usleep(20000);
        *flag = 1;
        _exit(0);
    }
    CHECK(sleeper > 0 && napper > 0);
    pid_t spinner = napper > 0 ? fork() : -1;   /* without the napper it would spin for ever */
    if (spinner == 0) {
        while (*flag == 0)
            ;
        _exit(0);
    }
    CHECK(spinner > 0);
    int st = 0;
    if (napper > 0)                         /* waitpid(-1) would wait for the sleeper */
        CHECK(waitpid(napper, NULL, 0) == napper);
    if (spinner > 0)
        CHECK(waitpid(spinner, NULL, 0) == spinner);
    if (sleeper > 0) {
        CHECK(kill(sleeper, SIGTERM) == 0);
        CHECK(waitpid(sleeper, &st, 0) == sleeper && WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);
    }
    CHECK(usleep(10000) == 0);              /* the killed sleeper's timer event is gone */
    CHECK(free_frames() == base);
    munmap((void *)flag, PG);
    printf("sleepers: sleeping children let the others run; a sleeper killed in its sleep ended\n");
}

static void first_exits(void)
{
    for (int i = 0; i < 2; i++)
        if (fork() == 0)
            for (;;)
                sched_yield();
    sched_yield();
    printf("first_exits: leaving with 5\n");
    exit(5);
}

static void child_kills_first(void)
{
    pid_t c = fork();
    if (c == 0) {
        kill(getppid(), SIGTERM);
        _exit(0);
    }
    if (c < 0)
        exit(1);                            /* no child to end us */
    for (;;)
        sched_yield();
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "first_exits") == 0)
        first_exits();
    if (argc > 1 && strcmp(argv[1], "child_kills_first") == 0)
        child_kills_first();
    const char *which = argc > 1 ? argv[1] : "all";
    static const struct { const char *name; void (*fn)(void); } cases[] = {
        { "forktest", forktest }, { "exitwait", exitwait }, { "reparent", reparent },
        { "twochildren", twochildren }, { "killstatus", killstatus },
        { "sbrkafter", sbrkafter }, { "waitcalls", waitcalls }, { "preempt", preempt },
        { "sleepers", sleepers },
    };
    printf("proc_usertests: %s\n", which);
    for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (strcmp(which, "all") == 0 || strcmp(which, cases[i].name) == 0)
            cases[i].fn();
    printf("proc_usertests: %d failure(s)\n", failures);
    return failures != 0;
}
