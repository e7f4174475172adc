/* A differential POSIX test of processes: the same program runs on the
 * host's Linux (built with the host gcc) and inside Capsule, and the lines
 * it prints between "posix_proc: begin" and "posix_proc: end" must be
 * identical.  Every line is deterministic: pids are never printed (only
 * whether they relate as expected), errno values and signals by name, and
 * a parent prints only after the children it waits for have printed.
 * stdout is unbuffered, so a child's lines are written when it prints them. */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define ATOMIC_BYTES 4096       /* Linux's PIPE_BUF */

static const char *err_name(int e)
{
    switch (e) {
    case EBADF: return "EBADF";
    case ECHILD: return "ECHILD";
    case EPIPE: return "EPIPE";
    case ESRCH: return "ESRCH";
    case EINVAL: return "EINVAL";
    case EFAULT: return "EFAULT";
    default: return "other";
    }
}

static const char *sig_name(int s)
{
    switch (s) {
    case SIGKILL: return "SIGKILL";
    case SIGTERM: return "SIGTERM";
    case SIGPIPE: return "SIGPIPE";
    case SIGSEGV: return "SIGSEGV";
    default: return "other";
    }
}

/* The wait status of child c, in words. */
static void show_status(const char *what, pid_t c)
{
    int st = 0;
    pid_t w = waitpid(c, &st, 0);
    if (w != c)
        printf("%s: waitpid failed: %s\n", what, err_name(errno));
    else if (WIFEXITED(st))
        printf("%s: exited %d\n", what, WEXITSTATUS(st));
    else if (WIFSIGNALED(st))
        printf("%s: killed by %s\n", what, sig_name(WTERMSIG(st)));
    else
        printf("%s: other status\n", what);
}

static void result(const char *what, long r)
{
    if (r < 0)
        printf("%s: -1 %s\n", what, err_name(errno));
    else
        printf("%s: %ld\n", what, r);
}

static void exits(void)
{
    pid_t c = fork();
    if (c == 0)
        exit(3);
    show_status("exit(3)", c);
    c = fork();
    if (c == 0)
        _exit(300);
    show_status("_exit(300)", c);
    c = fork();
    if (c == 0) {
        printf("child: getppid is the parent: %s\n", getppid() == getpid() ? "no" : "yes");
        exit(0);
    }
    show_status("child printed", c);
}

static void pipes(void)
{
    int p[2];
    char buf[128];
    result("pipe", pipe(p));
    pid_t c = fork();
    if (c == 0) {
        close(p[1]);
        long n = read(p[0], buf, sizeof buf);
        printf("child read %ld bytes: %.*s\n", n, (int)n, buf);
        printf("child read at EOF: %ld\n", (long)read(p[0], buf, sizeof buf));
        _exit(0);
    }
    close(p[0]);
    /* printed once the child is reaped: whether the woken reader prints
     * before the writer returns is up to the scheduler (a uniprocessor
     * Linux lets the writer go on; Capsule and an SMP Linux do not) */
    long written = (long)write(p[1], "hello pipe", 10);
    close(p[1]);
    show_status("reader", c);
    result("write to the pipe", written);

    result("pipe", pipe(p));
    result("read of 0 bytes", read(p[0], buf, 0));
    result("write to the read end", write(p[0], "x", 1));
    result("read from the write end", read(p[1], buf, 1));
    close(p[1]);
    result("close twice", close(p[1]));
    result("read with every writer gone", read(p[0], buf, sizeof buf));
    close(p[0]);
}

static void broken_pipes(void)
{
    int p[2];
    pipe(p);
    close(p[0]);
    pid_t c = fork();
    if (c == 0) {
        write(p[1], "x", 1);
        _exit(0);               /* not reached: SIGPIPE ends it */
    }
    show_status("write with no reader, SIGPIPE at its default", c);
    c = fork();
    if (c == 0) {
        signal(SIGPIPE, SIG_IGN);
        result("write with no reader, SIGPIPE ignored", write(p[1], "x", 1));
        _exit(0);
    }
    show_status("that writer", c);
    close(p[1]);
}

static void redirect(void)
{
    int p[2];
    char buf[128];
    pipe(p);
    pid_t c = fork();
    if (c == 0) {
        dup2(p[1], 1);
        close(p[0]);
        close(p[1]);
        printf("through the pipe");
        _exit(0);
    }
    close(p[1]);
    long n, total = 0;
    while ((n = read(p[0], buf + total, sizeof buf - 1 - total)) > 0)
        total += n;
    show_status("redirected child", c);
    printf("parent read from the child's stdout: %.*s\n", (int)total, buf);
    close(p[0]);

    pipe(p);
    close(p[0]);
    int d = dup(p[1]);
    printf("dup gives the lowest free descriptor: %s\n", d == p[0] ? "yes" : "no");
    close(d);
    close(p[1]);
}

/* Two writers of ATOMIC_BYTES-byte chunks: every chunk arrives whole. */
static void atomic_writes(void)
{
    enum { CHUNKS = 48 };
    static char all[2 * CHUNKS * ATOMIC_BYTES];
    int p[2];
    pipe(p);
    pid_t w[2];
    for (int i = 0; i < 2; i++) {
        w[i] = fork();
        if (w[i] == 0) {
            char chunk[ATOMIC_BYTES];
            memset(chunk, 'a' + i, sizeof chunk);
            for (int k = 0; k < CHUNKS; k++)
                if (write(p[1], chunk, sizeof chunk) != (long)sizeof chunk)
                    _exit(1);
            _exit(0);
        }
    }
    close(p[1]);
    long n, total = 0;
    while ((n = read(p[0], all + total, sizeof all - total)) > 0)
        total += n;
    int whole = 1;
    for (long k = 0; k < total; k += ATOMIC_BYTES)
        for (long j = 1; j < ATOMIC_BYTES; j++)
            whole &= all[k + j] == all[k];
    printf("two writers: %ld bytes, every %d-byte write whole: %s\n", total, ATOMIC_BYTES,
           whole ? "yes" : "no");
    show_status("writer a", w[0]);
    show_status("writer b", w[1]);
    close(p[0]);
}

/* One write larger than the pipe: the writer blocks until the reader drains. */
static void big_write(void)
{
    enum { BIG = 200000 };
    static char big[BIG];
    int p[2];
    pipe(p);
    pid_t c = fork();
    if (c == 0) {
        memset(big, 'z', sizeof big);
        _exit(write(p[1], big, sizeof big) == BIG ? 0 : 1);
    }
    close(p[1]);
    long n, total = 0, z = 0;
    char buf[1000];
    while ((n = read(p[0], buf, sizeof buf)) > 0) {
        for (long i = 0; i < n; i++)
            z += buf[i] == 'z';
        total += n;
    }
    printf("big write: read %ld bytes, %ld of them right\n", total, z);
    show_status("big writer", c);
    close(p[0]);
}

static void kills_and_waits(void)
{
    int p[2], st;
    pipe(p);
    result("waitpid(-1, WNOHANG) with no child", waitpid(-1, &st, WNOHANG));
    pid_t c = fork();
    if (c == 0) {
        char b;
        read(p[0], &b, 1);      /* blocks: nobody writes */
        _exit(0);
    }
    result("waitpid(child, WNOHANG) while it runs", waitpid(c, &st, WNOHANG));
    result("kill(child, 0)", kill(c, 0));
    result("kill(child, SIGTERM)", kill(c, SIGTERM));
    show_status("blocked reader", c);
    result("kill(reaped child, 0)", kill(c, 0));
    c = fork();
    if (c == 0) {
        volatile unsigned long spin = 0;
        for (;;)
            spin++;
    }
    sched_yield();
    result("kill(spinning child, SIGKILL)", kill(c, SIGKILL));
    show_status("spinning child", c);
    result("wait with no child", wait(&st));
    result("sched_yield", sched_yield());
    close(p[0]);
    close(p[1]);
}

static int role_child;

static void say_bye(void)
{
    if (role_child)
        printf("atexit ran in the child only\n");
}

static void atexit_in_child(void)
{
    atexit(say_bye);
    pid_t c = fork();
    if (c == 0) {
        role_child = 1;
        exit(0);
    }
    show_status("child with atexit", c);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    printf("posix_proc: begin\n");
    exits();
    pipes();
    broken_pipes();
    redirect();
    atomic_writes();
    big_write();
    kills_and_waits();
    atexit_in_child();
    printf("posix_proc: end\n");
    return 0;
}
