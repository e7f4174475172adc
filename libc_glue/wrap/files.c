/* The app side of the file system's calls (docs/files.md): thin wrappers
 * over the bodies (syscall.h, fs_calls.c) for the POSIX names newlib leaves
 * out or cannot serve (openat, pread, mkdir, rename -- newlib's is link and
 * unlink --, getcwd, fcntl -- newlib's says ENOSYS --, ...).  open, close,
 * read, write, lseek, stat, unlink and link are newlib's, over wrap/io.c. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "syscall.h"

int openat(int dirfd, const char *path, int flags, ...)
{
    int mode = 0;
    if (flags & O_CREAT) {
        va_list ap;
        va_start(ap, flags);
        mode = va_arg(ap, int);
        va_end(ap);
    }
    return (int)wrap_result(SYSCALL4(openat, dirfd, path, flags, mode));
}

int creat(const char *path, mode_t mode)
{
    return (int)wrap_result(SYSCALL4(openat, AT_FDCWD, path, O_WRONLY | O_CREAT | O_TRUNC, mode));
}

ssize_t pread(int fd, void *buf, size_t len, off_t off)
{
    return (ssize_t)wrap_result(SYSCALL4(pread64, fd, buf, len, off));
}

ssize_t pwrite(int fd, const void *buf, size_t len, off_t off)
{
    return (ssize_t)wrap_result(SYSCALL4(pwrite64, fd, buf, len, off));
}

/* No symbolic links: lstat is stat. */
int lstat(const char *path, struct stat *st)
{
    return (int)wrap_result(SYSCALL4(newfstatat, AT_FDCWD, path, st, 0));
}

int fstatat(int dirfd, const char *path, struct stat *st, int flags)
{
    return (int)wrap_result(SYSCALL4(newfstatat, dirfd, path, st, flags));
}

int access(const char *path, int amode)
{
    return (int)wrap_result(SYSCALL4(faccessat, AT_FDCWD, path, amode, 0));
}

int faccessat(int dirfd, const char *path, int amode, int flags)
{
    return (int)wrap_result(SYSCALL4(faccessat, dirfd, path, amode, flags));
}

int unlinkat(int dirfd, const char *path, int flags)
{
    return (int)wrap_result(SYSCALL3(unlinkat, dirfd, path, flags));
}

int rmdir(const char *path)
{
    return (int)wrap_result(SYSCALL3(unlinkat, AT_FDCWD, path, AT_REMOVEDIR));
}

/* newlib has _mkdir_r but no mkdir for this target. */
int mkdir(const char *path, mode_t mode)
{
    return (int)wrap_result(SYSCALL3(mkdirat, AT_FDCWD, path, mode));
}

int _mkdir(const char *path, mode_t mode)
{
    return mkdir(path, mode);
}

int mkdirat(int dirfd, const char *path, mode_t mode)
{
    return (int)wrap_result(SYSCALL3(mkdirat, dirfd, path, mode));
}

int linkat(int olddirfd, const char *old, int newdirfd, const char *new, int flags)
{
    return (int)wrap_result(SYSCALL5(linkat, olddirfd, old, newdirfd, new, flags));
}

/* newlib's rename is a link and an unlink: not Linux's (a directory, a
 * replaced target, ENOTEMPTY, ...). */
int rename(const char *old, const char *new)
{
    return (int)wrap_result(SYSCALL5(renameat2, AT_FDCWD, old, AT_FDCWD, new, 0));
}

int renameat(int olddirfd, const char *old, int newdirfd, const char *new)
{
    return (int)wrap_result(SYSCALL5(renameat2, olddirfd, old, newdirfd, new, 0));
}

int truncate(const char *path, off_t length)
{
    return (int)wrap_result(SYSCALL2(truncate, path, length));
}

int ftruncate(int fd, off_t length)
{
    return (int)wrap_result(SYSCALL2(ftruncate, fd, length));
}

int fsync(int fd)
{
    return (int)wrap_result(SYSCALL1(fsync, fd));
}

int fdatasync(int fd)
{
    return (int)wrap_result(SYSCALL1(fdatasync, fd));
}

int chdir(const char *path)
{
    return (int)wrap_result(SYSCALL1(chdir, path));
}

int fchdir(int fd)
{
    return (int)wrap_result(SYSCALL1(fchdir, fd));
}

/* getcwd(NULL, size) allocates (glibc's extension): size bytes, or as many
 * as the path needs when size is 0. */
char *getcwd(char *buf, size_t size)
{
    char path[4096];
    if (buf && size == 0) {
        wrap_fail(EINVAL);
        return NULL;
    }
    if (buf)
        return wrap_result(SYSCALL2(getcwd, buf, size)) < 0 ? NULL : buf;
    long len = wrap_result(SYSCALL2(getcwd, path, size && size < sizeof path ? size : sizeof path));
    char *copy = len < 0 ? NULL : malloc(size ? size : (size_t)len);
    if (len >= 0 && !copy)
        wrap_fail(ENOMEM);
    for (long i = 0; copy && i < len; i++)
        copy[i] = path[i];
    return copy;
}

mode_t umask(mode_t mask)
{
    return (mode_t)SYSCALL1(umask, mask);
}

/* Every command Capsule knows takes an int, or nothing. */
int fcntl(int fd, int cmd, ...)
{
    va_list ap;
    va_start(ap, cmd);
    int arg = va_arg(ap, int);
    va_end(ap);
    return (int)wrap_result(SYSCALL3(fcntl, fd, cmd, arg));
}

int _fcntl(int fd, int cmd, int arg)
{
    return (int)wrap_result(SYSCALL3(fcntl, fd, cmd, arg));
}
