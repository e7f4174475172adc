/* The app side of the descriptor calls newlib and the app make: thin
 * wrappers over the bodies (syscall.h).  newlib's own names (_write, _read,
 * _close, _fstat, _isatty, _lseek, _open, _unlink, _link, _stat) and the
 * POSIX calls it lacks (dup, dup2, pipe). */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "syscall.h"

#ifndef AT_FDCWD
#define AT_FDCWD    (-100)      /* Linux's: paths relative to the working directory */
#endif

int _write(int fd, const void *buf, size_t len)
{
    return (int)wrap_result(SYSCALL3(write, fd, buf, len));
}

int _read(int fd, void *buf, size_t len)
{
    return (int)wrap_result(SYSCALL3(read, fd, buf, len));
}

int _close(int fd)
{
    return (int)wrap_result(SYSCALL1(close, fd));
}

int dup(int oldfd)
{
    return (int)wrap_result(SYSCALL1(dup, oldfd));
}

/* dup2 is dup3 without flags, except that the same descriptor gives itself
 * back when it is open (checked with fstat's EBADF). */
int dup2(int oldfd, int newfd)
{
    if (oldfd == newfd) {
        struct stat st;
        long r = SYSCALL2(fstat, oldfd, &st);
        return r < 0 ? (int)wrap_result(r) : newfd;
    }
    return (int)wrap_result(SYSCALL3(dup3, oldfd, newfd, 0));
}

int pipe(int fds[2])
{
    return (int)wrap_result(SYSCALL2(pipe2, fds, 0));
}

int _fstat(int fd, struct stat *st)
{
    return (int)wrap_result(SYSCALL2(fstat, fd, st));
}

/* 1 for a terminal; 0 with errno (ENOTTY, EBADF) otherwise. */
int _isatty(int fd)
{
    long r = SYSCALL1(capsule_isatty, fd);
    return r < 0 ? wrap_fail((int)-r) + 1 : 1;
}

off_t _lseek(int fd, off_t off, int whence)
{
    return (off_t)wrap_result(SYSCALL3(lseek, fd, off, whence));
}

int _open(const char *path, int flags, int mode)
{
    return (int)wrap_result(SYSCALL4(openat, AT_FDCWD, path, flags, mode));
}

int _unlink(const char *path)
{
    return (int)wrap_result(SYSCALL3(unlinkat, AT_FDCWD, path, 0));
}

int _link(const char *old, const char *new)
{
    return (int)wrap_result(SYSCALL5(linkat, AT_FDCWD, old, AT_FDCWD, new, 0));
}

int _stat(const char *path, struct stat *st)
{
    return (int)wrap_result(SYSCALL4(newfstatat, AT_FDCWD, path, st, 0));
}
