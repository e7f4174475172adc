/* The system calls newlib needs (it is built with its own syscalls off):
 * console I/O, the heap break, exit and process identity. */
#include <errno.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/times.h>
#include <sys/time.h>
#include <unistd.h>

#include <arch/console.h>
#include <arch/exit.h>

#include <mm/errno.h>
#include <mm/page.h>
#include <mm/uvm.h>

#include "user.h"

#undef errno
extern int errno;

#define STDIN   0
#define STDOUT  1
#define STDERR  2

static int is_console(int fd)
{
    return fd == STDIN || fd == STDOUT || fd == STDERR;
}

#define BOUNCE_BYTES 256
/* Linux's MAX_RW_COUNT: one read or write moves at most this many bytes. */
#define MAX_RW_BYTES ((size_t)INT_MAX & ~(size_t)(PAGE_SIZE - 1))

/* The app's buffer goes through the checked copy (user.h): a range outside
 * the app's half gives EFAULT before anything is written, as Linux's
 * access_ok; a hole inside it gives a short count after some bytes, or EFAULT. */
int _write(int fd, const void *buf, size_t len)
{
    char bounce[BOUNCE_BYTES];
    size_t done = 0;
    if (fd != STDOUT && fd != STDERR) {
        errno = EBADF;
        return -1;
    }
    if (!user_range_ok(buf, len)) {
        errno = EFAULT;
        return -1;
    }
    if (len > MAX_RW_BYTES)
        len = MAX_RW_BYTES;
    while (done < len) {
        size_t n = len - done < BOUNCE_BYTES ? len - done : BOUNCE_BYTES;
        if (user_read(bounce, (const char *)buf + done, n) < 0) {
            if (done)
                break;
            errno = EFAULT;
            return -1;
        }
        console_write(bounce, n);
        done += n;
    }
    return (int)done;
}

/* No console input yet: end of file, after checking that the buffer could
 * be written (inside the app's half; its first and last byte rewritten with
 * their own values). */
int _read(int fd, void *buf, size_t len)
{
    if (fd != STDIN) {
        errno = EBADF;
        return -1;
    }
    if (!user_range_ok(buf, len)) {
        errno = EFAULT;
        return -1;
    }
    char *ends[2] = { buf, (char *)buf + len - 1 };
    for (int i = 0; len && i < 2; i++) {
        char c;
        if (user_read(&c, ends[i], 1) < 0 || user_write(ends[i], &c, 1) < 0) {
            errno = EFAULT;
            return -1;
        }
    }
    return 0;
}

void *_sbrk(ptrdiff_t incr)
{
    uint64 old = uvm_brk();
    if (incr != 0 && uvm_set_brk(old + (uint64)incr) < 0) {
        errno = ENOMEM;
        return (void *)-1;
    }
    return (void *)old;
}

void _exit(int status)
{
    arch_exit(status);
}

int _close(int fd)
{
    if (is_console(fd))
        return 0;
    errno = EBADF;
    return -1;
}

int _fstat(int fd, struct stat *st)
{
    if (!is_console(fd)) {
        errno = EBADF;
        return -1;
    }
    struct stat console = { .st_mode = S_IFCHR, .st_blksize = 0 };
    if (user_write(st, &console, sizeof console) < 0) {
        errno = EFAULT;
        return -1;
    }
    return 0;
}

int _isatty(int fd)
{
    if (is_console(fd))
        return 1;
    errno = EBADF;
    return 0;
}

off_t _lseek(int fd, off_t off, int whence)
{
    (void)off;
    (void)whence;
    errno = is_console(fd) ? ESPIPE : EBADF;
    return -1;
}

int _open(const char *path, int flags, int mode)
{
    (void)path;
    (void)flags;
    (void)mode;
    errno = ENOENT;
    return -1;
}

int _getpid(void)
{
    return 1;
}

/* No clock yet: time 0.  NULL pointers are allowed, as on Linux. */
int _gettimeofday(struct timeval *tv, void *tz)
{
    (void)tz;
    if (tv && user_put(tv, ((struct timeval){ 0, 0 })) < 0) {
        errno = EFAULT;
        return -1;
    }
    return 0;
}

clock_t _times(struct tms *buf)
{
    if (buf && user_put(buf, ((struct tms){ 0, 0, 0, 0 })) < 0) {
        errno = EFAULT;
        return (clock_t)-1;
    }
    return 0;
}

int _unlink(const char *path)
{
    (void)path;
    errno = ENOENT;
    return -1;
}

int _link(const char *old, const char *new)
{
    (void)old;
    (void)new;
    errno = EMLINK;
    return -1;
}

int _stat(const char *path, struct stat *st)
{
    (void)path;
    (void)st;
    errno = ENOENT;
    return -1;
}
