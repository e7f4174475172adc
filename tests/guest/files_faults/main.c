/* How a run with files ends badly, one way per argument:
 *   sigbus         a read of a mapped page wholly past the end of its file:
 *                  SIGBUS, a report and 135, as on Linux
 *   truncated      a MAP_SHARED page the file lost to ftruncate: SIGBUS too
 *   child_sigbus   the same in a child: the parent sees WTERMSIG == SIGBUS
 *   crash_out      results written to out/, then a NULL dereference: 139,
 *                  and out/ still reaches the host
 *   abort_out      results written to out/, then abort(): 134, and out/ too
 *   killed_out     a child writes to out/ and is killed; the first process
 *                  then exits: the child's file reaches the host */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define PG 4096

static char *map_short_file(int len, int flags)
{
    int fd = open("short", O_RDWR | O_CREAT | O_TRUNC, 0644);
    char buf[100];
    memset(buf, 's', sizeof buf);
    write(fd, buf, len);
    char *p = mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE, flags, fd, 0);
    close(fd);
    return p;
}

static void write_result(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
}

int main(int argc, char **argv)
{
    const char *what = argc > 1 ? argv[1] : "";
    if (!strcmp(what, "sigbus")) {
        char *p = map_short_file(100, MAP_PRIVATE);
        printf("last page of the file: '%c', then zeros: %d\n", p[99], p[100] + p[PG - 1]);
        printf("page 1 (wholly past the end): %d\n", p[PG]);
    } else if (!strcmp(what, "truncated")) {
        int fd = open("long", O_RDWR | O_CREAT | O_TRUNC, 0644);
        ftruncate(fd, 3 * PG);
        char *p = mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        p[2 * PG] = 'x';
        printf("page 2 before ftruncate: '%c'\n", p[2 * PG]);
        ftruncate(fd, PG);
        printf("page 2 after ftruncate to one page: %d\n", p[2 * PG]);
    } else if (!strcmp(what, "child_sigbus")) {
        char *p = map_short_file(10, MAP_SHARED);
        pid_t pid = fork();
        if (pid == 0) {
            printf("child reads page 2: %d\n", p[2 * PG]);
            _exit(0);
        }
        int status;
        waitpid(pid, &status, 0);
        printf("child ended by signal %d (SIGBUS %d)\n", WIFSIGNALED(status) ? WTERMSIG(status) : 0, SIGBUS);
    } else if (!strcmp(what, "crash_out")) {
        write_result("out/before-crash.txt", "written before the crash\n");
        printf("crashing\n");
        fflush(stdout);
        *(volatile int *)0 = 1;
    } else if (!strcmp(what, "abort_out")) {
        write_result("out/before-abort.txt", "written before abort\n");
        abort();
    } else if (!strcmp(what, "killed_out")) {
        pid_t pid = fork();
        if (pid == 0) {
            write_result("out/from-child.txt", "the child's\n");
            for (;;)
                pause();
        }
        while (access("out/from-child.txt", F_OK) != 0)
            sched_yield();
        kill(pid, SIGKILL);
        int status;
        waitpid(pid, &status, 0);
        printf("child killed: %d\n", WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
        return 3;
    }
    printf("still alive\n");
    return 0;
}
