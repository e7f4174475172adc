/* A differential POSIX test of the file calls: the same program runs on the
 * host's Linux in a scratch copy of data/ (built with the host gcc) and inside
 * Capsule with files=data/, and the lines it prints between
 * "posix_files: begin" and "posix_files: end" must be identical.  Every
 * line is deterministic: errno values by name, results as "ok" / "-1 ENAME"
 * / "returned N", no absolute path, no inode number, no time beyond "it
 * moved"; directory listings are sorted.  One section per call: each row of
 * its errno table, then what it did.  The file-mapping section is last. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/resource.h>
#endif

#define FD_LIMIT 255        /* Capsule's descriptor table; the host gets the same limit */

static size_t pg;
/* An address no call may read or write (hidden from the compiler's checks). */
static char *volatile bad = (char *)1;

static const char *ename(int e)
{
    static char other[32];
    static const struct { int value; const char *name; } names[] = {
        { 0, "0" }, { ENOENT, "ENOENT" }, { EEXIST, "EEXIST" }, { EISDIR, "EISDIR" },
        { ENOTDIR, "ENOTDIR" }, { ENOTEMPTY, "ENOTEMPTY" }, { EBADF, "EBADF" }, { EMFILE, "EMFILE" },
        { ENOSPC, "ENOSPC" }, { EINVAL, "EINVAL" }, { EFAULT, "EFAULT" },
        { ENAMETOOLONG, "ENAMETOOLONG" }, { ESPIPE, "ESPIPE" }, { EBUSY, "EBUSY" },
        { ERANGE, "ERANGE" }, { EACCES, "EACCES" }, { ENODEV, "ENODEV" }, { ENOTTY, "ENOTTY" },
        { EPERM, "EPERM" }, { ENOMEM, "ENOMEM" }, { EOVERFLOW, "EOVERFLOW" },
        { EOPNOTSUPP, "EOPNOTSUPP" },
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (names[i].value == e)
            return names[i].name;
    snprintf(other, sizeof other, "errno=%d", e);
    return other;
}

/* One line for a call returning an int: "ok" (0), "-1 ENAME", "returned N". */
static void say(const char *what, long r, int e)
{
    if (r == 0)
        printf("%s: ok\n", what);
    else if (r == -1)
        printf("%s: -1 %s\n", what, ename(e));
    else
        printf("%s: returned %ld\n", what, r);
}

#define TRY(what, call) do { errno = 0; long r_ = (long)(call); int e_ = errno; say(what, r_, e_); } while (0)

/* open that reports "fd" (a descriptor, closed again) or "-1 ENAME". */
static void try_open(const char *what, const char *path, int flags, int mode)
{
    errno = 0;
    int fd = open(path, flags, mode);
    int e = errno;
    if (fd >= 0) {
        printf("%s: fd\n", what);
        close(fd);
    } else {
        printf("%s: -1 %s\n", what, ename(e));
    }
}

/* The file's bytes as text ("<n bytes> ..."), or the error. */
static void show_file(const char *what, const char *path)
{
    char buf[256];
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        printf("%s: open -1 %s\n", what, ename(errno));
        return;
    }
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n < 0) {
        printf("%s: read -1 %s\n", what, ename(errno));
        return;
    }
    for (ssize_t i = 0; i < n; i++)
        if (buf[i] == '\n')
            buf[i] = '|';
        else if (buf[i] == '\0')
            buf[i] = '0';
    buf[n] = '\0';
    printf("%s: %zd bytes \"%s\"\n", what, n, buf);
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The directory's entries, sorted, with their types. */
static void show_dir(const char *what, const char *path)
{
    char *names[64];
    int n = 0;
    errno = 0;
    DIR *d = opendir(path);
    if (!d) {
        printf("%s: opendir NULL %s\n", what, ename(errno));
        return;
    }
    struct dirent *e;
    while ((e = readdir(d)) && n < 64) {
        char *s = malloc(strlen(e->d_name) + 3);
        sprintf(s, "%s%s", e->d_name, e->d_type == DT_DIR ? "/" : e->d_type == DT_REG ? "" : "?");
        names[n++] = s;
    }
    printf("%s: readdir end errno %s\n", what, ename(errno));
    closedir(d);
    qsort(names, n, sizeof names[0], compare_names);
    printf("%s:", what);
    for (int i = 0; i < n; i++) {
        printf(" %s", names[i]);
        free(names[i]);
    }
    printf("\n");
}

/* What stat says: type, permissions, size, links. */
static void show_stat(const char *what, const char *path)
{
    struct stat st;
    errno = 0;
    if (stat(path, &st) != 0) {
        printf("%s: -1 %s\n", what, ename(errno));
        return;
    }
    printf("%s: %s %03o size %lld nlink %ld\n", what, S_ISDIR(st.st_mode) ? "dir" : S_ISREG(st.st_mode) ? "file" : "other",
           (unsigned)(st.st_mode & 0777), S_ISDIR(st.st_mode) ? 0LL : (long long)st.st_size,
           S_ISDIR(st.st_mode) ? 0L : (long)st.st_nlink);
}

static void write_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
        printf("write_file %s: failed %s\n", path, ename(errno));
    close(fd);
}

static void test_files_in(void)
{
    show_file("input.txt from files=", "input.txt");
    show_file("dir/inner.txt from files=", "dir/inner.txt");
    show_stat("stat empty", "empty");
    show_file("out/seed.txt (out/ starts with files=out/)", "out/seed.txt");
    show_dir("listing .", ".");
}

static void test_open(void)
{
    char *longpath = malloc(5000), *longname = malloc(300);
    memset(longpath, 'a', 4999);
    longpath[4999] = '\0';
    memset(longname, 'b', 256);
    longname[256] = '\0';
    try_open("open input.txt O_RDONLY", "input.txt", O_RDONLY, 0);
    try_open("open missing", "missing", O_RDONLY, 0);
    try_open("open missing/x", "missing/x", O_RDONLY, 0);
    try_open("open input.txt/x", "input.txt/x", O_RDONLY, 0);
    try_open("open input.txt/", "input.txt/", O_RDONLY, 0);
    try_open("open input.txt/ O_CREAT", "input.txt/", O_RDWR | O_CREAT, 0644);
    try_open("open newname/ O_CREAT", "newname/", O_RDWR | O_CREAT, 0644);
    try_open("open dir O_RDONLY", "dir", O_RDONLY, 0);
    try_open("open dir O_WRONLY", "dir", O_WRONLY, 0);
    try_open("open dir O_RDWR", "dir", O_RDWR, 0);
    try_open("open dir O_CREAT", "dir", O_RDONLY | O_CREAT, 0644);
    try_open("open dir O_RDONLY|O_TRUNC", "dir", O_RDONLY | O_TRUNC, 0);
    try_open("open . O_CREAT", ".", O_RDWR | O_CREAT, 0644);
    try_open("open input.txt O_CREAT|O_EXCL", "input.txt", O_RDWR | O_CREAT | O_EXCL, 0644);
    try_open("open dir O_CREAT|O_EXCL", "dir", O_RDONLY | O_CREAT | O_EXCL, 0644);
    try_open("open input.txt O_DIRECTORY", "input.txt", O_RDONLY | O_DIRECTORY, 0);
    try_open("open dir O_DIRECTORY", "dir", O_RDONLY | O_DIRECTORY, 0);
    try_open("open new O_CREAT|O_DIRECTORY", "newdirflag", O_RDONLY | O_CREAT | O_DIRECTORY, 0644);
    try_open("open empty path", "", O_RDONLY, 0);
    try_open("open bad pointer", bad, O_RDONLY, 0);
    try_open("open 4999-byte path", longpath, O_RDONLY, 0);
    try_open("open 256-byte name", longname, O_RDONLY, 0);
    try_open("open 256-byte name O_CREAT", longname, O_RDWR | O_CREAT, 0644);
    longname[255] = '\0';
    try_open("open 255-byte name O_CREAT", longname, O_RDWR | O_CREAT, 0644);
    TRY("unlink 255-byte name", unlink(longname));
    try_open("open .//dir///inner.txt", ".//dir///inner.txt", O_RDONLY, 0);
    try_open("open dir/../input.txt", "dir/../input.txt", O_RDONLY, 0);
    try_open("open ./dir/./inner.txt", "./dir/./inner.txt", O_RDONLY, 0);
    try_open("open / O_DIRECTORY", "/", O_RDONLY | O_DIRECTORY, 0);

    int fd = open("created.txt", O_WRONLY | O_CREAT | O_EXCL, 0640);
    printf("open created.txt O_CREAT|O_EXCL 0640: %s\n", fd >= 0 ? "fd" : ename(errno));
    TRY("write 5 bytes", write(fd, "hello", 5));
    close(fd);
    show_stat("stat created.txt", "created.txt");
    fd = open("created.txt", O_RDWR | O_TRUNC);
    show_stat("stat created.txt after O_TRUNC", "created.txt");
    TRY("write after O_TRUNC", write(fd, "abc", 3));
    close(fd);
    fd = open("created.txt", O_RDONLY | O_TRUNC);
    show_stat("stat created.txt after O_RDONLY|O_TRUNC", "created.txt");
    close(fd);

    int dfd = open("dir", O_RDONLY | O_DIRECTORY), ffd = open("input.txt", O_RDONLY);
    errno = 0;
    fd = openat(dfd, "inner.txt", O_RDONLY);
    printf("openat(dir fd, inner.txt): %s\n", fd >= 0 ? "fd" : ename(errno));
    close(fd);
    fd = openat(dfd, "../input.txt", O_RDONLY);
    printf("openat(dir fd, ../input.txt): %s\n", fd >= 0 ? "fd" : ename(errno));
    close(fd);
    TRY("openat(999, inner.txt)", openat(999, "inner.txt", O_RDONLY));
    TRY("openat(file fd, inner.txt)", openat(ffd, "inner.txt", O_RDONLY));
    TRY("openat(999, \"\")", openat(999, "", O_RDONLY));
    fd = openat(AT_FDCWD, "input.txt", O_RDONLY);
    printf("openat(AT_FDCWD, input.txt): %s\n", fd >= 0 ? "fd" : ename(errno));
    close(fd);
    close(dfd);
    close(ffd);
    free(longpath);
    free(longname);
}

static void test_emfile(void)
{
    int fds[FD_LIMIT], n = 0;
#ifdef __linux__
    struct rlimit rl = { FD_LIMIT, FD_LIMIT };
    setrlimit(RLIMIT_NOFILE, &rl);
#endif
    errno = 0;
    while (n < FD_LIMIT && (fds[n] = open("input.txt", O_RDONLY)) >= 0)
        n++;
    printf("opens until the table is full: %d, then %s\n", n, ename(errno));
    TRY("open O_CREAT when full", open("never-made", O_RDWR | O_CREAT, 0644));
    TRY("dup when full", dup(0));
    while (n > 0)
        close(fds[--n]);
    show_stat("never-made exists", "never-made");
}

static void test_read_write(void)
{
    char buf[64];
    int ro = open("input.txt", O_RDONLY), wo = open("rw.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int dfd = open("dir", O_RDONLY);
    TRY("write to O_RDONLY fd", write(ro, "x", 1));
    TRY("read from O_WRONLY fd", read(wo, buf, 1));
    TRY("read from a directory", read(dfd, buf, 1));
    TRY("write to a directory", write(dfd, "x", 1));
    TRY("read from closed fd 99", read(99, buf, 1));
    TRY("write to closed fd 99", write(99, "x", 1));
    TRY("read into a bad buffer", read(ro, bad, 8));
    TRY("write from a bad buffer", write(wo, bad, 8));
    TRY("read 0 bytes", read(ro, buf, 0));
    TRY("write 0 bytes", write(wo, buf, 0));
    TRY("read 5", read(ro, buf, 5));
    TRY("read rest", read(ro, buf, sizeof buf));
    TRY("read at end of file", read(ro, buf, sizeof buf));
    TRY("read at end of file into a bad buffer", read(ro, bad, 8));
    TRY("write 10", write(wo, "0123456789", 10));
    close(wo);
    show_file("rw.txt", "rw.txt");

    int ap = open("rw.txt", O_WRONLY | O_APPEND);
    TRY("lseek O_APPEND fd to 0", lseek(ap, 0, SEEK_SET));
    TRY("write with O_APPEND", write(ap, "AB", 2));
    TRY("offset after O_APPEND write", lseek(ap, 0, SEEK_CUR));
    TRY("pwrite at 0 with O_APPEND", pwrite(ap, "CD", 2, 0));
    close(ap);
    show_file("rw.txt after appends", "rw.txt");

    int rw = open("rw.txt", O_RDWR);
    TRY("lseek SEEK_SET -1", lseek(rw, -1, SEEK_SET));
    TRY("lseek whence 99", lseek(rw, 0, 99));
    TRY("lseek SEEK_END -100", lseek(rw, -100, SEEK_END));
    TRY("lseek SEEK_END 0", lseek(rw, 0, SEEK_END));
    TRY("lseek SEEK_END +6 (a hole)", lseek(rw, 6, SEEK_END));
    TRY("write after the hole", write(rw, "Z", 1));
    TRY("lseek SEEK_CUR -3", lseek(rw, -3, SEEK_CUR));
    TRY("lseek closed fd", lseek(99, 0, SEEK_SET));
    TRY("lseek dir to 0", lseek(dfd, 0, SEEK_SET));
    close(rw);
    show_file("rw.txt with a hole", "rw.txt");
    show_stat("stat rw.txt", "rw.txt");
    TRY("lseek far past the end", lseek(ro, (off_t)1 << 40, SEEK_SET));
    TRY("read far past the end", read(ro, buf, 8));

    int p[2];
    pipe(p);
    TRY("lseek on a pipe", lseek(p[0], 0, SEEK_SET));
    TRY("pread on a pipe", pread(p[0], buf, 1, 0));
    TRY("pwrite on a pipe", pwrite(p[1], "x", 1, 0));
    TRY("fsync on a pipe", fsync(p[1]));
    TRY("ftruncate on a pipe", ftruncate(p[1], 0));
    close(p[0]);
    close(p[1]);

    rw = open("rw.txt", O_RDWR);
    TRY("pread -1 offset", pread(rw, buf, 1, -1));
    TRY("pread closed fd", pread(99, buf, 1, 0));
    TRY("pread 4 at 2", pread(rw, buf, 4, 2));
    printf("pread bytes: %.4s\n", buf);
    TRY("offset after pread", lseek(rw, 0, SEEK_CUR));
    TRY("pwrite 2 at 1", pwrite(rw, "xy", 2, 1));
    TRY("pwrite at 30 (past the end)", pwrite(rw, "E", 1, 30));
    TRY("offset after pwrite", lseek(rw, 0, SEEK_CUR));
    TRY("pread at the end", pread(rw, buf, 4, 31));
    TRY("pread from a directory", pread(dfd, buf, 1, 0));
    TRY("pwrite to O_RDONLY", pwrite(ro, "x", 1, 0));
    close(rw);
    show_file("rw.txt after pwrite", "rw.txt");
    close(ro);
    close(dfd);
}

static void test_stat(void)
{
    struct stat st;
    show_stat("stat input.txt", "input.txt");
    show_stat("stat dir", "dir");
    show_stat("stat dir/", "dir/");
    show_stat("stat missing", "missing");
    show_stat("stat input.txt/", "input.txt/");
    show_stat("stat empty path", "");
    show_stat("stat /", "/");
    TRY("stat bad path pointer", stat(bad, &st));
    TRY("stat bad stat pointer", stat("input.txt", (struct stat *)bad));
    TRY("lstat input.txt", lstat("input.txt", &st));
    printf("lstat size %lld\n", (long long)st.st_size);
    int fd = open("input.txt", O_RDONLY);
    TRY("fstat file", fstat(fd, &st));
    printf("fstat: size %lld regular %d blksize %ld\n", (long long)st.st_size, S_ISREG(st.st_mode),
           (long)st.st_blksize);
    printf("fstat: mtime within a day of now: %s\n",
           st.st_mtime > time(NULL) - 86400 * 365 * 50 ? "plausible" : "no");
    close(fd);
    TRY("fstat closed fd", fstat(99, &st));

    struct stat before, after;
    write_file("times.txt", "one");
    stat("times.txt", &before);
    struct timespec ts = { 0, 20 * 1000 * 1000 };
    nanosleep(&ts, NULL);
    fd = open("times.txt", O_WRONLY | O_APPEND);
    write(fd, "two", 3);
    fstat(fd, &after);
    close(fd);
    printf("mtime moved on write: %s\n",
           after.st_mtim.tv_sec > before.st_mtim.tv_sec ||
           (after.st_mtim.tv_sec == before.st_mtim.tv_sec && after.st_mtim.tv_nsec > before.st_mtim.tv_nsec)
           ? "yes" : "no");
    unlink("times.txt");

    TRY("access input.txt F_OK", access("input.txt", F_OK));
    TRY("access input.txt R_OK|W_OK", access("input.txt", R_OK | W_OK));
    TRY("access input.txt X_OK", access("input.txt", X_OK));
    TRY("access dir X_OK", access("dir", X_OK));
    TRY("access missing", access("missing", F_OK));
    TRY("access mode 8", access("input.txt", 8));
    TRY("access input.txt/", access("input.txt/", F_OK));
    TRY("access bad pointer", access(bad, F_OK));
    fd = open("input.txt", O_RDONLY);
    TRY("isatty(file)", isatty(fd));
    close(fd);
}

static void test_names(void)
{
    write_file("u.txt", "unlink me");
    TRY("unlink u.txt", unlink("u.txt"));
    TRY("unlink u.txt again", unlink("u.txt"));
    TRY("unlink dir", unlink("dir"));
    TRY("unlink dir/", unlink("dir/"));
    TRY("unlink input.txt/", unlink("input.txt/"));
    TRY("unlink .", unlink("."));
    TRY("unlink ..", unlink(".."));
    TRY("unlink empty path", unlink(""));
    TRY("unlink missing/x", unlink("missing/x"));
    TRY("unlink bad pointer", unlink(bad));

    write_file("open-unlinked.txt", "still here");
    int fd = open("open-unlinked.txt", O_RDWR);
    TRY("unlink an open file", unlink("open-unlinked.txt"));
    char buf[32] = { 0 };
    TRY("read it after unlink", read(fd, buf, sizeof buf - 1));
    printf("content: %s\n", buf);
    struct stat st;
    fstat(fd, &st);
    printf("nlink after unlink: %ld\n", (long)st.st_nlink);
    close(fd);

    TRY("mkdir d1", mkdir("d1", 0755));
    TRY("mkdir d1 again", mkdir("d1", 0755));
    TRY("mkdir input.txt", mkdir("input.txt", 0755));
    TRY("mkdir missing/x", mkdir("missing/x", 0755));
    TRY("mkdir input.txt/x", mkdir("input.txt/x", 0755));
    TRY("mkdir .", mkdir(".", 0755));
    TRY("mkdir /", mkdir("/", 0755));
    TRY("mkdir empty path", mkdir("", 0755));
    TRY("mkdir d1/d2/", mkdir("d1/d2/", 0700));
    show_stat("stat d1/d2", "d1/d2");
    write_file("d1/d2/f", "deep");
    TRY("rmdir d1 (not empty)", rmdir("d1"));
    TRY("rmdir input.txt", rmdir("input.txt"));
    TRY("rmdir input.txt/", rmdir("input.txt/"));
    TRY("rmdir missing", rmdir("missing"));
    TRY("rmdir .", rmdir("."));
    TRY("rmdir ..", rmdir(".."));
    TRY("rmdir d1/d2/.", rmdir("d1/d2/."));
    TRY("rmdir /", rmdir("/"));
    TRY("rmdir empty path", rmdir(""));

    write_file("r1", "file r1");
    write_file("r2", "file r2");
    TRY("rename r1 -> r3", rename("r1", "r3"));
    TRY("rename r1 (gone)", rename("r1", "r4"));
    show_file("r3", "r3");
    TRY("rename r3 over r2", rename("r3", "r2"));
    show_file("r2 after rename over it", "r2");
    show_stat("r3 after rename", "r3");
    TRY("rename r2 -> r2", rename("r2", "r2"));
    TRY("rename file onto dir", rename("r2", "dir"));
    TRY("rename dir onto file", rename("dir", "r2"));
    TRY("rename d1 onto dir (not empty)", rename("d1", "dir"));
    TRY("rename d1 into itself", rename("d1", "d1/d2/d3"));
    TRY("rename d1 onto its own subdir", rename("d1", "d1/d2"));
    TRY("rename d1/d2/f onto d1", rename("d1/d2/f", "d1"));
    TRY("rename .", rename(".", "x"));
    TRY("rename onto ..", rename("r2", ".."));
    TRY("rename r2/ (a file)", rename("r2/", "r5"));
    TRY("rename r2 -> r5/", rename("r2", "r5/"));
    TRY("rename into a missing dir", rename("r2", "nodir/r5"));
    TRY("rename missing", rename("missing", "r5"));
    TRY("mkdir e1", mkdir("e1", 0755));
    TRY("rename d1 onto empty dir e1", rename("d1", "e1"));
    show_dir("e1 after rename", "e1");
    show_stat("d1 after rename", "d1");
    TRY("rename e1/d2 -> top d2", rename("e1/d2", "d2"));
    show_dir("d2", "d2");
    TRY("rename d2/f -> dir/f", rename("d2/f", "dir/f"));
    show_dir("dir", "dir");
    TRY("unlink dir/f", unlink("dir/f"));
    TRY("rmdir d2", rmdir("d2"));
    TRY("rmdir e1", rmdir("e1"));
    TRY("link r2 -> r2link", link("r2", "r2link"));
    show_stat("r2 with two links", "r2");
    TRY("link onto existing", link("r2", "input.txt"));
    TRY("link a dir", link("dir", "dirlink"));
    TRY("link missing", link("missing", "x"));
    TRY("unlink r2", unlink("r2"));
    show_file("r2link after unlink r2", "r2link");
    TRY("unlink r2link", unlink("r2link"));
    show_dir("listing . after the names section", ".");
}

static void test_dirs(void)
{
    show_dir("opendir dir", "dir");
    show_dir("opendir missing", "missing");
    show_dir("opendir input.txt", "input.txt");
    show_dir("opendir dir/", "dir/");
    mkdir("many", 0755);
    for (int i = 0; i < 20; i++) {
        char name[32];
        snprintf(name, sizeof name, "many/f%02d", i);
        write_file(name, "x");
    }
    mkdir("many/sub", 0755);
    show_dir("opendir many", "many");
    DIR *d = opendir("many");
    int n = 0;
    while (readdir(d))
        n++;
    rewinddir(d);
    int again = 0;
    while (readdir(d))
        again++;
    printf("readdir counts: %d, after rewinddir %d\n", n, again);
    closedir(d);
    for (int i = 0; i < 20; i++) {
        char name[32];
        snprintf(name, sizeof name, "many/f%02d", i);
        unlink(name);
    }
    rmdir("many/sub");
    TRY("rmdir many", rmdir("many"));
}

static void test_truncate_sync(void)
{
    write_file("t.txt", "0123456789abcdef");
    TRY("truncate t.txt 10", truncate("t.txt", 10));
    show_file("t.txt after truncate 10", "t.txt");
    TRY("truncate t.txt 20", truncate("t.txt", 20));
    show_file("t.txt after truncate 20", "t.txt");
    TRY("truncate -1", truncate("t.txt", -1));
    TRY("truncate missing", truncate("missing", 0));
    TRY("truncate dir", truncate("dir", 0));
    TRY("truncate t.txt/", truncate("t.txt/", 0));
    int ro = open("t.txt", O_RDONLY), rw = open("t.txt", O_RDWR), dfd = open("dir", O_RDONLY);
    TRY("ftruncate O_RDONLY fd", ftruncate(ro, 0));
    TRY("ftruncate dir fd", ftruncate(dfd, 0));
    TRY("ftruncate closed fd", ftruncate(99, 0));
    TRY("ftruncate -1", ftruncate(rw, -1));
    TRY("ftruncate 3", ftruncate(rw, 3));
    show_file("t.txt after ftruncate 3", "t.txt");
    TRY("fsync file", fsync(rw));
    TRY("fsync O_RDONLY file", fsync(ro));
    TRY("fsync dir fd", fsync(dfd));
    TRY("fsync closed fd", fsync(99));
    close(ro);
    close(rw);
    close(dfd);
    unlink("t.txt");
}

/* The last component of the working directory (never an absolute path:
 * the host runs in a scratch directory). */
static void show_cwd(const char *what)
{
    char buf[4096];
    errno = 0;
    if (!getcwd(buf, sizeof buf)) {
        printf("%s: NULL %s\n", what, ename(errno));
        return;
    }
    const char *slash = strrchr(buf, '/');
    printf("%s: ends in \"%s\"\n", what, slash ? slash + 1 : buf);
}

static void test_cwd(void)
{
    char small[2];
    errno = 0;
    char *r = getcwd(small, 1);
    printf("getcwd size 1: %s %s\n", r ? "ok" : "NULL", ename(errno));
    errno = 0;
    r = getcwd(small, 0);
    printf("getcwd size 0: %s %s\n", r ? "ok" : "NULL", ename(errno));
    TRY("chdir missing", chdir("missing"));
    TRY("chdir input.txt", chdir("input.txt"));
    TRY("chdir empty path", chdir(""));
    TRY("chdir dir", chdir("dir"));
    show_cwd("getcwd in dir");
    show_file("relative inner.txt", "inner.txt");
    show_file("relative ../input.txt", "../input.txt");
    TRY("chdir ..", chdir(".."));
    mkdir("gone", 0755);
    TRY("chdir gone", chdir("gone"));
    TRY("rmdir ../gone from inside", rmdir("../gone"));
    show_cwd("getcwd after its removal");
    try_open("create in a removed directory", "x", O_RDWR | O_CREAT, 0644);
    TRY("mkdir in a removed directory", mkdir("y", 0755));
    TRY("chdir .. from a removed directory", chdir(".."));
    int dfd = open("dir", O_RDONLY), ffd = open("input.txt", O_RDONLY);
    TRY("fchdir file fd", fchdir(ffd));
    TRY("fchdir closed fd", fchdir(99));
    TRY("fchdir dir fd", fchdir(dfd));
    show_cwd("getcwd after fchdir");
    chdir("..");
    close(dfd);
    close(ffd);
}

static void test_dup_fork(void)
{
    char a[8] = { 0 }, b[8] = { 0 };
    int fd = open("input.txt", O_RDONLY);
    int fd2 = dup(fd);
    read(fd, a, 6);
    read(fd2, b, 5);
    printf("dup shares the offset: \"%s\" then \"%.4s\"\n", a, b);
    int fd3 = open("dir/inner.txt", O_RDONLY);
    TRY("dup2 over an open fd", dup2(fd, fd3) == fd3 ? 0 : -1);
    memset(a, 0, sizeof a);
    read(fd3, a, 4);
    printf("read through dup2'd fd: \"%s\"\n", a);
    TRY("dup2 closed fd", dup2(99, fd3));
    TRY("fcntl F_GETFL is O_RDONLY", (fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDONLY ? 0 : -1);
    int fd4 = fcntl(fd, F_DUPFD, 10);
    printf("fcntl F_DUPFD 10: %d\n", fd4);
    close(fd4);
    TRY("fcntl closed fd", fcntl(99, F_GETFL));
    close(fd2);
    close(fd3);
    lseek(fd, 0, SEEK_SET);
    pid_t pid = fork();
    if (pid == 0) {
        char c[8] = { 0 };
        read(fd, c, 6);
        _exit(strcmp(c, "first ") == 0 ? 0 : 1);
    }
    int status;
    waitpid(pid, &status, 0);
    memset(a, 0, sizeof a);
    read(fd, a, 4);
    printf("fork: child read 6 (status %d), parent then reads \"%s\"\n", WEXITSTATUS(status), a);
    close(fd);
    pid = fork();
    if (pid == 0) {
        write_file("from-child.txt", "written by the child");
        _exit(0);
    }
    waitpid(pid, &status, 0);
    show_file("a file the child wrote", "from-child.txt");
    unlink("from-child.txt");
}

static void test_stdio(void)
{
    FILE *f = fopen("stdio.txt", "w");
    fprintf(f, "line %d\n", 1);
    fprintf(f, "line %s\n", "two");
    fputs("line three\n", f);
    fclose(f);
    f = fopen("stdio.txt", "r");
    char line[64];
    while (fgets(line, sizeof line, f))
        printf("fgets: %s", line);
    fseek(f, 5, SEEK_SET);
    printf("ftell after fseek 5: %ld\n", ftell(f));
    size_t n = fread(line, 1, 6, f);
    line[n] = '\0';
    printf("fread 6: %zu \"%s\"\n", n, line);
    fclose(f);
    f = fopen("stdio.txt", "a+");
    fprintf(f, "appended\n");
    fseek(f, 0, SEEK_SET);
    fgets(line, sizeof line, f);
    printf("a+ reads from the start: %s", line);
    fclose(f);
    show_stat("stdio.txt", "stdio.txt");
    errno = 0;
    FILE *m = fopen("missing", "r");
    printf("fopen missing r: %s %s\n", m ? "FILE" : "NULL", ename(errno));
    errno = 0;
    m = fopen("dir", "w");
    printf("fopen dir w: %s %s\n", m ? "FILE" : "NULL", ename(errno));
    unlink("stdio.txt");
}

/* ---- file mappings ---------------------------------------------------------- */

/* A file of npages pages (and extra bytes), each page filled with its letter. */
static void make_pages(const char *path, int npages, int extra)
{
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    char *page = malloc(pg);
    for (int i = 0; i < npages; i++) {
        memset(page, 'a' + i, pg);
        write(fd, page, pg);
    }
    memset(page, 'z', pg);
    write(fd, page, extra);
    free(page);
    close(fd);
}

static void try_map(const char *what, size_t len, int prot, int flags, int fd, off_t off)
{
    errno = 0;
    void *m = mmap(NULL, len, prot, flags, fd, off);
    if (m == MAP_FAILED) {
        printf("%s: MAP_FAILED %s\n", what, ename(errno));
    } else {
        printf("%s: ok\n", what);
        munmap(m, len);
    }
}

static void test_mmap(void)
{
    make_pages("m.bin", 3, 100);
    int ro = open("m.bin", O_RDONLY), rw = open("m.bin", O_RDWR), wo = open("m.bin", O_WRONLY);
    int dfd = open("dir", O_RDONLY), p[2];
    pipe(p);
    try_map("mmap unaligned offset", pg, PROT_READ, MAP_PRIVATE, ro, 100);
    try_map("mmap len 0", 0, PROT_READ, MAP_PRIVATE, ro, 0);
    try_map("mmap closed fd", pg, PROT_READ, MAP_PRIVATE, 99, 0);
    try_map("mmap MAP_SHARED PROT_WRITE of O_RDONLY", pg, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0);
    try_map("mmap MAP_SHARED PROT_READ of O_RDONLY", pg, PROT_READ, MAP_SHARED, ro, 0);
    try_map("mmap MAP_PRIVATE PROT_WRITE of O_RDONLY", pg, PROT_READ | PROT_WRITE, MAP_PRIVATE, ro, 0);
    try_map("mmap MAP_PRIVATE of O_WRONLY", pg, PROT_READ, MAP_PRIVATE, wo, 0);
    try_map("mmap MAP_SHARED of O_WRONLY", pg, PROT_READ | PROT_WRITE, MAP_SHARED, wo, 0);
    try_map("mmap a directory", pg, PROT_READ, MAP_PRIVATE, dfd, 0);
    try_map("mmap a pipe", pg, PROT_READ, MAP_PRIVATE, p[0], 0);
    try_map("mmap neither shared nor private", pg, PROT_READ, 0, ro, 0);
    try_map("mmap MAP_SHARED_VALIDATE unknown flag", pg, PROT_READ, MAP_SHARED_VALIDATE | 0x400000, ro, 0);
    try_map("mmap MAP_SHARED_VALIDATE", pg, PROT_READ, MAP_SHARED_VALIDATE, ro, 0);
    try_map("mmap offset + len overflows", 2 * pg, PROT_READ, MAP_PRIVATE, ro, (off_t)INT64_MAX & ~(off_t)(pg - 1));
    try_map("mmap negative offset", pg, PROT_READ, MAP_PRIVATE, ro, -(off_t)pg);
    try_map("mmap past the end of file", pg, PROT_READ, MAP_PRIVATE, ro, 10 * pg);
    close(p[0]);
    close(p[1]);

    /* MAP_SHARED: writes reach read() at once, and the file. */
    char *s = mmap(NULL, 4 * pg, PROT_READ | PROT_WRITE, MAP_SHARED, rw, 0);
    printf("shared map: page 0 '%c', page 2 '%c', last byte '%c', past the end in the last page %d\n",
           s[0], s[2 * pg], s[3 * pg + 99], s[3 * pg + 100]);
    s[1] = 'S';
    char c = 0;
    pread(rw, &c, 1, 1);
    printf("read() sees a write through MAP_SHARED: '%c'\n", c);
    pwrite(rw, "W", 1, pg);
    printf("MAP_SHARED sees a pwrite(): '%c'\n", s[pg]);
    TRY("msync MS_SYNC", msync(s, pg, MS_SYNC));
    TRY("msync MS_ASYNC", msync(s, pg, MS_ASYNC));
    TRY("msync MS_SYNC|MS_ASYNC", msync(s, pg, MS_SYNC | MS_ASYNC));
    TRY("msync unaligned", msync(s + 1, pg, MS_SYNC));
    TRY("msync unknown flag", msync(s, pg, 8));
    TRY("mprotect shared O_RDWR map PROT_READ", mprotect(s, pg, PROT_READ));
    TRY("mprotect it back to PROT_READ|PROT_WRITE", mprotect(s, pg, PROT_READ | PROT_WRITE));

    /* MAP_PRIVATE: writes are copies; the file and read() never see them. */
    char *q = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE, ro, pg);
    printf("private map at offset 1 page: '%c' '%c'\n", q[0], q[pg]);
    q[pg] = 'P';
    pread(rw, &c, 1, 2 * pg);
    printf("a private write stays private: map '%c', file '%c'\n", q[pg], c);
    s[pg + 2] = 'T';
    s[2 * pg + 2] = 'U';
    printf("a private page only read follows the file: '%c'; a copied one does not: '%c'\n",
           q[2], q[pg + 2]);
    TRY("madvise MADV_DONTNEED on the private map", madvise(q, 2 * pg, MADV_DONTNEED));
    printf("after DONTNEED the private page is the file's again: '%c'\n", q[pg]);
    TRY("madvise MADV_FREE on a file mapping", madvise(q, pg, MADV_FREE));
    TRY("madvise MADV_REMOVE on a private file mapping", madvise(q, pg, MADV_REMOVE));
    TRY("madvise MADV_WILLNEED", madvise(q, 2 * pg, MADV_WILLNEED));
    munmap(q, 2 * pg);

    /* The mapping outlives its descriptor. */
    char *r = mmap(NULL, pg, PROT_READ, MAP_SHARED, ro, 0);
    close(ro);
    printf("read through a map whose fd is closed: '%c'\n", r[1]);
    TRY("mprotect PROT_WRITE on MAP_SHARED of O_RDONLY", mprotect(r, pg, PROT_READ | PROT_WRITE));
    munmap(r, pg);
    r = mmap(NULL, pg, PROT_READ, MAP_PRIVATE, rw, 0);
    TRY("mprotect PROT_WRITE on MAP_PRIVATE", mprotect(r, pg, PROT_READ | PROT_WRITE));
    r[0] = 'p';
    printf("written after mprotect: map '%c', shared map '%c'\n", r[0], s[0]);
    munmap(r, pg);

    /* munmap of part, mremap of a file mapping. */
    TRY("munmap the middle page", munmap(s + pg, pg));
    printf("the pages on either side: '%c' '%c'\n", s[0], s[2 * pg]);
    char *g = mremap(s + 2 * pg, 2 * pg, 3 * pg, MREMAP_MAYMOVE);
    printf("mremap grows the tail: %s, '%c' '%c'\n", g == MAP_FAILED ? ename(errno) : "ok", g[0], g[pg + 5]);
    g[pg] = 'G';
    pread(rw, &c, 1, 3 * pg);
    printf("a write after mremap reaches the file: '%c'\n", c);
    munmap(g, 3 * pg);
    munmap(s, pg);

    /* After fork: private copies stay each side's; shared writes are seen. */
    char *priv = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE, rw, 0);
    char *shr = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, rw, 0);
    priv[10] = '1';
    pid_t pid = fork();
    if (pid == 0) {
        priv[10] = '2';
        priv[11] = '2';
        shr[20] = 'C';
        _exit(priv[10] == '2' ? 0 : 1);
    }
    int status;
    waitpid(pid, &status, 0);
    printf("fork: child status %d, parent private '%c' '%c', shared sees the child's '%c'\n",
           WEXITSTATUS(status), priv[10], priv[11], shr[20]);
    munmap(priv, pg);
    munmap(shr, pg);

    /* ftruncate: growing makes pages reachable, shrinking zeroes the tail. */
    char *t = mmap(NULL, 5 * pg, PROT_READ | PROT_WRITE, MAP_SHARED, rw, 0);
    TRY("ftruncate to 5 pages under a map", ftruncate(rw, 5 * pg));
    printf("page 4 after growing: %d\n", t[4 * pg]);
    t[4 * pg] = 'N';
    TRY("ftruncate to 1.5 pages", ftruncate(rw, pg + pg / 2));
    printf("in the last page, past the new end: %d; before it '%c'\n", t[pg + pg / 2], t[pg]);
    TRY("ftruncate to 5 pages again", ftruncate(rw, 5 * pg));
    printf("page 4 after shrinking and growing: %d\n", t[4 * pg]);
    munmap(t, 5 * pg);
    close(rw);
    close(wo);
    close(dfd);
    unlink("m.bin");
}

int main(void)
{
    pg = (size_t)sysconf(_SC_PAGESIZE);
    umask(022);
    printf("posix_files: begin\n");
    test_files_in();
    test_open();
    test_emfile();
    test_read_write();
    test_stat();
    test_names();
    test_dirs();
    test_truncate_sync();
    test_cwd();
    test_dup_fork();
    test_stdio();
    test_mmap();
    unlink("created.txt");
    unlink("rw.txt");
    unlink("newdirflag");
    show_dir("listing . at the end", ".");
    printf("posix_files: end\n");
    return 0;
}
