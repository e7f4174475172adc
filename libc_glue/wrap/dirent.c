/* <dirent.h> on the app side (newlib leaves <sys/dirent.h> to the system:
 * libc_glue/include/sys/dirent.h is Linux's struct dirent): opendir opens
 * the directory (O_DIRECTORY), readdir hands out the entries getdents64
 * fills a buffer with -- "." and ".." first, then the entries oldest first
 * (fs_calls.c) -- and telldir/seekdir/rewinddir are the directory's offset,
 * an entry index. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "syscall.h"

#define DIR_BUF_BYTES   4096

/* One entry of getdents64's buffer (Linux's struct linux_dirent64). */
struct dirent64 {
    uint64_t d_ino;
    int64_t  d_off;
    uint16_t d_reclen;
    uint8_t  d_type;
    char     d_name[];
};

struct capsule_dir {
    int             fd;
    size_t          at, len;        /* the next entry, the bytes getdents64 filled */
    long            pos;            /* telldir: the offset after the last entry handed out */
    struct dirent   entry;
    char            buf[DIR_BUF_BYTES] __attribute__((aligned(8)));
};

DIR *fdopendir(int fd)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return NULL;
    if (!S_ISDIR(st.st_mode)) {
        wrap_fail(ENOTDIR);
        return NULL;
    }
    DIR *d = malloc(sizeof *d);
    if (!d) {
        wrap_fail(ENOMEM);
        return NULL;
    }
    d->fd = fd;
    d->at = d->len = 0;
    d->pos = (long)lseek(fd, 0, SEEK_CUR);
    return d;
}

DIR *opendir(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY);
    if (fd < 0)
        return NULL;
    DIR *d = fdopendir(fd);
    if (!d)
        close(fd);
    return d;
}

/* The next entry, or NULL at the end (errno unchanged) or on an error. */
struct dirent *readdir(DIR *d)
{
    if (d->at >= d->len) {
        long n = SYSCALL3(getdents64, d->fd, d->buf, sizeof d->buf);
        if (n <= 0) {
            if (n < 0)
                wrap_fail((int)-n);
            return NULL;
        }
        d->at = 0;
        d->len = (size_t)n;
    }
    const struct dirent64 *e = (const struct dirent64 *)(d->buf + d->at);
    d->at += e->d_reclen;
    d->pos = (long)e->d_off;
    d->entry.d_ino = (ino_t)e->d_ino;
    d->entry.d_off = (off_t)e->d_off;
    d->entry.d_reclen = sizeof d->entry;
    d->entry.d_type = e->d_type;
    strncpy(d->entry.d_name, e->d_name, sizeof d->entry.d_name - 1);
    d->entry.d_name[sizeof d->entry.d_name - 1] = '\0';
    return &d->entry;
}

int readdir_r(DIR *d, struct dirent *entry, struct dirent **result)
{
    int saved = errno;
    errno = 0;
    struct dirent *e = readdir(d);
    int err = errno;
    errno = saved;
    if (!e && err)
        return err;
    if (e)
        *entry = *e;
    *result = e ? entry : NULL;
    return 0;
}

int closedir(DIR *d)
{
    int r = close(d->fd);
    free(d);
    return r;
}

int dirfd(DIR *d)
{
    return d->fd;
}

void seekdir(DIR *d, long pos)
{
    if (lseek(d->fd, pos, SEEK_SET) >= 0) {
        d->at = d->len = 0;
        d->pos = pos;
    }
}

void rewinddir(DIR *d)
{
    seekdir(d, 0);
}

long telldir(DIR *d)
{
    return d->pos;
}
