/* xv6's mmaptest (MIT 6.S081's lab "mmap") scenarios on Capsule's file
 * mappings, each followed by the free-frame count back at its baseline once
 * its files are deleted and its mappings gone:
 *   private        MAP_PRIVATE read/write of a 1.5-page file: the contents,
 *                  zeros past the end in the last page, a write that never
 *                  reaches the file
 *   read-only      MAP_SHARED + PROT_WRITE of an O_RDONLY descriptor: EACCES
 *   read/write     MAP_SHARED read/write: the writes are in the file at once
 *   dirty          after munmap the file keeps them (write-back)
 *   not-mapped     munmap of a range never mapped, or unmapped twice: 0
 *   lazy           mmap of a 4 MiB file takes no frame; touching pages
 *                  takes none either (they are the page cache's)
 *   two files      two mappings of two files at once, each its own
 *   fork           after fork the child reads both mappings; its private
 *                  write stays its own, its shared write reaches the parent
 *   munmap part    munmap of the first and last page of a mapping, with
 *                  the descriptor closed before
 *   remove         MADV_REMOVE of a shared writable mapping punches a hole
 *   nospace        write until RAM runs out: ENOSPC, and nothing lost
 * Run with an argument to run one scenario; without, all of them. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <mm/kalloc.h>
#include <mm/page.h>

#include "../common/check.h"

#define PG      4096UL
#define RW      (PROT_READ | PROT_WRITE)

/* The buffers files are written and read through: static and touched
 * before the first baseline (heap or .bss the app touches stays its own and
 * would hide the frame counts). */
static char scratch[2 * PG];

/* A file of len bytes: byte i is 'A' + i % 23. */
static void make_file(const char *path, size_t len)
{
    char *buf = scratch;
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    CHECK(fd >= 0);
    for (size_t off = 0; off < len; off += PG) {
        size_t n = len - off < PG ? len - off : PG;
        for (size_t i = 0; i < n; i++)
            buf[i] = (char)('A' + (off + i) % 23);
        CHECK(write(fd, buf, n) == (ssize_t)n);
    }
    close(fd);
}

/* Whether [p, p + len) holds the pattern of make_file from offset off. */
static int pattern_ok(const char *p, size_t len, size_t off)
{
    for (size_t i = 0; i < len; i++)
        if (p[i] != (char)('A' + (off + i) % 23))
            return 0;
    return 1;
}

static void scenario_private(void)
{
    size_t len = PG + PG / 2;
    make_file("mf", len);
    int fd = open("mf", O_RDWR);
    char *p = mmap(NULL, 2 * PG, RW, MAP_PRIVATE, fd, 0);
    CHECK(p != MAP_FAILED);
    close(fd);
    CHECK(pattern_ok(p, len, 0));
    int zeros = 1;
    for (size_t i = len; i < 2 * PG; i++)
        zeros &= p[i] == 0;
    CHECK(zeros);
    memset(p, 'Z', 2 * PG);
    CHECK(munmap(p, 2 * PG) == 0);
    fd = open("mf", O_RDONLY);
    char *buf = scratch;
    CHECK(read(fd, buf, len) == (ssize_t)len);
    CHECK(pattern_ok(buf, len, 0));
    struct stat st;
    fstat(fd, &st);
    CHECK(st.st_size == (off_t)len);
    close(fd);
    unlink("mf");
}

static void scenario_read_only(void)
{
    make_file("mf", PG);
    int fd = open("mf", O_RDONLY);
    errno = 0;
    CHECK(mmap(NULL, PG, RW, MAP_SHARED, fd, 0) == MAP_FAILED && errno == EACCES);
    char *p = mmap(NULL, PG, PROT_READ, MAP_SHARED, fd, 0);
    CHECK(p != MAP_FAILED && pattern_ok(p, PG, 0));
    CHECK(mprotect(p, PG, RW) == -1 && errno == EACCES);
    munmap(p, PG);
    close(fd);
    unlink("mf");
}

static void scenario_read_write(void)
{
    make_file("mf", 2 * PG);
    int fd = open("mf", O_RDWR);
    char *p = mmap(NULL, 2 * PG, RW, MAP_SHARED, fd, 0);
    CHECK(p != MAP_FAILED && pattern_ok(p, 2 * PG, 0));
    memset(p + PG - 8, 'w', 16);            /* across the page boundary */
    char buf[16];
    CHECK(pread(fd, buf, 16, PG - 8) == 16 && memcmp(buf, "wwwwwwwwwwwwwwww", 16) == 0);
    CHECK(munmap(p, 2 * PG) == 0);
    close(fd);
    /* dirty: the file keeps what the mapping wrote after munmap and close */
    fd = open("mf", O_RDONLY);
    CHECK(pread(fd, buf, 16, PG - 8) == 16 && memcmp(buf, "wwwwwwwwwwwwwwww", 16) == 0);
    CHECK(pread(fd, buf, 8, 0) == 8 && pattern_ok(buf, 8, 0));
    close(fd);
    unlink("mf");
}

static void scenario_not_mapped(void)
{
    char *p = mmap(NULL, 4 * PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(munmap(p, 4 * PG) == 0);
    CHECK(munmap(p, 4 * PG) == 0);      /* nothing mapped there: 0, as Linux */
    make_file("mf", PG);
    int fd = open("mf", O_RDONLY);
    char *q = mmap(NULL, PG, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    CHECK(munmap(q, PG) == 0 && munmap(q, PG) == 0);
    unlink("mf");
}

static void scenario_lazy(void)
{
    size_t len = 4UL << 20;
    make_file("big", len);
    unsigned long before = free_frames();
    int fd = open("big", O_RDONLY);
    char *p = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    CHECK(p != MAP_FAILED);
    unsigned long mapped = free_frames();
    CHECK(before - mapped < 8);             /* a VMA, no pages */
    int ok = 1;
    for (size_t off = 0; off < len; off += 64 * PG)
        ok &= pattern_ok(p + off, 64, off);
    CHECK(ok);
    unsigned long touched = free_frames();
    CHECK(mapped - touched < 16);           /* page-table pages only: the frames are the cache's */
    munmap(p, len);
    unlink("big");
}

static void scenario_two_files(void)
{
    make_file("f1", PG);
    make_file("f2", PG);
    int fd1 = open("f1", O_RDWR), fd2 = open("f2", O_RDWR);
    char *p1 = mmap(NULL, PG, RW, MAP_SHARED, fd1, 0);
    char *p2 = mmap(NULL, PG, RW, MAP_SHARED, fd2, 0);
    close(fd1);
    close(fd2);
    CHECK(p1 != MAP_FAILED && p2 != MAP_FAILED && p1 != p2);
    p1[0] = '1';
    p2[0] = '2';
    munmap(p1, PG);
    munmap(p2, PG);
    char c1 = 0, c2 = 0;
    fd1 = open("f1", O_RDONLY);
    fd2 = open("f2", O_RDONLY);
    CHECK(read(fd1, &c1, 1) == 1 && read(fd2, &c2, 1) == 1);
    CHECK(c1 == '1' && c2 == '2');
    close(fd1);
    close(fd2);
    unlink("f1");
    unlink("f2");
}

static void scenario_fork(void)
{
    make_file("mf", 2 * PG);
    int fd = open("mf", O_RDWR);
    char *priv = mmap(NULL, 2 * PG, RW, MAP_PRIVATE, fd, 0);
    char *shr = mmap(NULL, 2 * PG, RW, MAP_SHARED, fd, 0);
    close(fd);
    priv[PG] = 'p';                 /* the parent's own copy of page 1 */
    pid_t pid = fork();
    if (pid == 0) {
        int ok = pattern_ok(priv, PG, 0) && pattern_ok(shr, 2 * PG, 0) && priv[PG] == 'p';
        priv[0] = 'c';              /* private: the child's own */
        shr[1] = 's';               /* shared: the parent's and the file's too */
        _exit(ok ? 0 : 1);
    }
    int status = -1;
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK(priv[0] == 'A' && priv[PG] == 'p' && shr[1] == 's');
    CHECK(priv[1] == 's');          /* a private page only read follows the file */
    munmap(priv, 2 * PG);
    munmap(shr, 2 * PG);
    unlink("mf");
}

static void scenario_munmap_part(void)
{
    make_file("mf", 4 * PG);
    int fd = open("mf", O_RDWR);
    char *p = mmap(NULL, 4 * PG, RW, MAP_SHARED, fd, 0);
    close(fd);
    CHECK(munmap(p, PG) == 0 && munmap(p + 3 * PG, PG) == 0);
    CHECK(pattern_ok(p + PG, 2 * PG, PG));
    p[PG] = 'm';
    char *q = mremap(p + PG, 2 * PG, 3 * PG, MREMAP_MAYMOVE);
    CHECK(q != MAP_FAILED && q[0] == 'm' && pattern_ok(q + PG, PG, 2 * PG) && pattern_ok(q + 2 * PG, PG, 3 * PG));
    munmap(q, 3 * PG);
    unlink("mf");
}

static void scenario_remove(void)
{
    make_file("mf", 3 * PG);
    int fd = open("mf", O_RDWR);
    char *p = mmap(NULL, 3 * PG, RW, MAP_SHARED, fd, 0);
    CHECK(madvise(p + PG, PG, MADV_REMOVE) == 0);
    CHECK(p[PG] == 0 && p[2 * PG - 1] == 0 && pattern_ok(p, PG, 0) && pattern_ok(p + 2 * PG, PG, 2 * PG));
    char c = 1;
    CHECK(pread(fd, &c, 1, PG + 5) == 1 && c == 0);
    struct stat st;
    fstat(fd, &st);
    CHECK(st.st_size == (off_t)(3 * PG));
    munmap(p, 3 * PG);
    close(fd);
    unlink("mf");
}

static void scenario_nospace(void)
{
    char *page = mmap(NULL, 64 * PG, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(page, 'n', 64 * PG);
    int fd = open("fill", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    long total = 0, n;
    errno = 0;
    while ((n = write(fd, page, 64 * PG)) > 0)
        total += n;
    CHECK(n == -1 && errno == ENOSPC);
    struct stat st;
    fstat(fd, &st);
    CHECK(st.st_size == total && total > 0);
    printf("nospace: %ld KiB written, then ENOSPC\n", total >> 10);
    CHECK(mkdir("d", 0755) == 0 || errno == ENOSPC);
    rmdir("d");
    CHECK(ftruncate(fd, 0) == 0);
    CHECK(write(fd, page, PG) == (ssize_t)PG);
    close(fd);
    munmap(page, 64 * PG);
    unlink("fill");
}

static const struct { const char *name; void (*run)(void); } scenarios[] = {
    { "private", scenario_private }, { "read_only", scenario_read_only },
    { "read_write", scenario_read_write }, { "not_mapped", scenario_not_mapped },
    { "lazy", scenario_lazy }, { "two_files", scenario_two_files }, { "fork", scenario_fork },
    { "munmap_part", scenario_munmap_part }, { "remove", scenario_remove },
    { "nospace", scenario_nospace },
};

int main(int argc, char **argv)
{
    memset(scratch, 0, sizeof scratch);
    printf("mmaptest: begin\n");
    for (size_t i = 0; i < sizeof scenarios / sizeof scenarios[0]; i++) {
        if (argc > 1 && strcmp(argv[1], scenarios[i].name) != 0)
            continue;
        unsigned long before = free_frames();
        scenarios[i].run();
        unsigned long after = free_frames();
        CHECK(after == before);
        printf("mmaptest %s: %s (free frames %lu, %lu before)\n", scenarios[i].name,
               after == before ? "ok" : "LEAK", after, before);
    }
    printf("mmaptest: %d failure(s)\n", failures);
    return failures != 0;
}
