/* The reference Linux's /init (docs/linux.md): runs the app (/app in the
 * same initramfs) as its child with the console as stdout and stderr, waits
 * for it, and powers QEMU off with the app's exit status through the virt
 * machine's sifive,test finisher, as Capsule's runs end.
 *
 * Its arguments come from the kernel command line after "--":
 *     [name=ARGV0] [env=NAME=VALUE]... [icount] [stdin=FILE] [stdout=pipe] --args [app args]...
 * ("--args", not a second "--": the kernel stops handing init its
 * arguments at one; and it hands init at most 32 words in all).
 * icount: the run is under QEMU -icount shift=0; then it prints, before
 * powering off, "linux: N instructions (app M)": N retired since the hart
 * started (firmware and kernel boot included), M from just before the fork
 * to just after the wait (the app's exec, run and exit).  stdout=pipe: the
 * app's stdout and stderr are a pipe this wrapper copies to the console (as
 * a program run with its output captured sees them: the differential tests'
 * references), else the console itself.  A status from a signal is 128 +
 * the signal, as a shell reports it. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/wait.h>
#include <unistd.h>

#define FINISHER_BASE   0x100000UL      /* QEMU virt: sifive,test1 */
#define FINISHER_PASS   0x5555u
#define FINISHER_FAIL   0x3333u
#define MAX_ENV         64

static uint64_t instret(void)
{
    uint64_t v;
    __asm__ volatile("rdinstret %0" : "=r"(v) :: "memory");
    return v;
}

/* Tell QEMU to exit with status (0..255); returns only if /dev/mem fails. */
static void finish(int status)
{
    int fd = open("/dev/mem", O_RDWR | O_SYNC);
    if (fd >= 0) {
        volatile uint32_t *reg = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, FINISHER_BASE);
        if (reg != MAP_FAILED)
            *reg = status ? ((uint32_t)status << 16) | FINISHER_FAIL : FINISHER_PASS;
    }
    perror("linux init: /dev/mem finisher");
    printf("linux init: exit status %d\n", status);
    fflush(stdout);
    reboot(RB_POWER_OFF);
}

/* stdin from path (a file the runner put in the initramfs, or /dev/null),
 * stdout and stderr to the console. */
static void console_fds(const char *stdin_path)
{
    int in = open(stdin_path, O_RDONLY);
    int out = open("/dev/console", O_WRONLY);
    if (in < 0 || out < 0)
        finish(126);
    dup2(in, 0);
    dup2(out, 1);
    dup2(out, 2);
    if (in > 2)
        close(in);
    if (out > 2)
        close(out);
}

/* Copy what arrives on fd to the console until every writer has closed it. */
static void relay(int fd)
{
    char buf[4096];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0)
        for (ssize_t done = 0, w; done < n; done += w)
            if ((w = write(1, buf + done, (size_t)(n - done))) <= 0)
                return;
    close(fd);
}

/* Start /app with args and envp, its stdout and stderr the write end of
 * a new pipe when piped (whose read end goes to *out), else ours. */
static pid_t start_app(char **args, char **envp, int piped, int *out)
{
    int p[2] = { -1, -1 };
    if (piped && pipe(p) != 0)
        finish(126);
    pid_t pid = fork();
    if (pid == 0) {
        if (piped) {
            dup2(p[1], 1);
            dup2(p[1], 2);
            close(p[0]);
            close(p[1]);
        }
        execve("/app", args, envp);
        perror("linux init: exec /app");
        _exit(127);
    }
    if (piped)
        close(p[1]);
    *out = p[0];
    return pid;
}

int main(int argc, char **argv)
{
    char *envp[MAX_ENV + 1];
    int nenv = 0, icount = 0, piped = 0, out = -1, i = 1;
    const char *name = "app", *stdin_path = "/dev/console";
    for (; i < argc && strcmp(argv[i], "--args") != 0; i++) {
        if (strncmp(argv[i], "name=", 5) == 0)
            name = argv[i] + 5;
        else if (strncmp(argv[i], "env=", 4) == 0 && nenv < MAX_ENV)
            envp[nenv++] = argv[i] + 4;
        else if (strcmp(argv[i], "icount") == 0)
            icount = 1;
        else if (strncmp(argv[i], "stdin=", 6) == 0)
            stdin_path = argv[i] + 6;
        else if (strcmp(argv[i], "stdout=pipe") == 0)
            piped = 1;
    }
    envp[nenv] = NULL;
    i += i < argc;                              /* past "--args" */
    char **args = &argv[i - 1];                 /* args[0] becomes the app's name */
    args[0] = (char *)name;
    mount("proc", "/proc", "proc", 0, NULL);
    console_fds(stdin_path);
    uint64_t t0 = instret();
    pid_t pid = start_app(args, envp, piped, &out);
    if (piped && pid > 0)
        relay(out);
    int wstatus = 0;
    if (pid < 0 || waitpid(pid, &wstatus, 0) != pid)
        finish(126);
    uint64_t t1 = instret();
    int status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
    if (icount)
        printf("linux: %llu instructions (app %llu)\n", (unsigned long long)instret(),
               (unsigned long long)(t1 - t0));
    fflush(stdout);
    finish(status);
    return status;
}
