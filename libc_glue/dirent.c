/* <dirent.h> over the file system (fs.h): opendir opens the directory as
 * a descriptor (O_DIRECTORY), readdir walks its entries from the open
 * file's position -- "." and ".." first, then the entries oldest first --
 * and telldir/seekdir/rewinddir are that position.  A directory changed
 * while it is read loses no entry that stays and shows none twice as long
 * as entries are only added; a removed one may shift the rest by one, as
 * POSIX allows. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "file.h"
#include "fs.h"
#include "glue_mem.h"
#include "glue.h"

struct capsule_dir {
    int             fd;
    struct dirent   entry;
};

/* The entry at position pos of the open directory f (pos >= 2), through
 * its cursor while the directory has not changed since. */
static struct dentry *entry_at(struct file *f, uint64_t pos)
{
    struct inode *dir = f->inode;
    struct dentry *d = f->cursor;
    uint64_t at = pos;
    if (!d || f->cursor_version != dir->version) {
        d = dir->first;
        at = 2;
    } else {
        at = pos;
    }
    for (; d && at < pos; at++)
        d = d->next;
    f->cursor = d;
    f->cursor_version = dir->version;
    return d;
}

/* Fill *e with the entry at f's position and move past it: 1, or 0 at the
 * end. */
static int read_entry(struct file *f, struct dirent *e)
{
    struct inode *dir = f->inode, *ino;
    const char *name;
    size_t len;
    if (f->pos == 0 || f->pos == 1) {
        ino = f->pos == 0 ? dir : dir->parent ? dir->parent : dir;
        name = f->pos == 0 ? "." : "..";
        len = f->pos + 1;
    } else {
        struct dentry *d = entry_at(f, f->pos);
        if (!d)
            return 0;
        ino = d->inode;
        name = d->name;
        len = d->len;
        f->cursor = d->next;
    }
    f->pos++;
    e->d_ino = (ino_t)ino->ino;
    e->d_off = (off_t)f->pos;
    e->d_reclen = sizeof *e;
    e->d_type = fs_is_dir(ino) ? DT_DIR : DT_REG;
    glue_memcpy(e->d_name, name, len + 1);
    return 1;
}

DIR *fdopendir(int fd)
{
    struct file *f = fd_file(fd);
    if (!f) {
        glue_fail(EBADF);
        return NULL;
    }
    if (f->kind != FILE_DIR) {
        glue_fail(ENOTDIR);
        return NULL;
    }
    DIR *d = malloc(sizeof *d);
    if (!d) {
        glue_fail(ENOMEM);
        return NULL;
    }
    d->fd = fd;
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

/* The next entry, or NULL at the end (errno unchanged) or for a DIR whose
 * descriptor was closed (EBADF). */
struct dirent *readdir(DIR *d)
{
    struct file *f = fd_file(d->fd);
    if (!f || f->kind != FILE_DIR) {
        glue_fail(EBADF);
        return NULL;
    }
    return read_entry(f, &d->entry) ? &d->entry : NULL;
}

int readdir_r(DIR *d, struct dirent *entry, struct dirent **result)
{
    struct file *f = fd_file(d->fd);
    if (!f || f->kind != FILE_DIR)
        return EBADF;
    *result = read_entry(f, entry) ? entry : NULL;
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

void rewinddir(DIR *d)
{
    lseek(d->fd, 0, SEEK_SET);
}

long telldir(DIR *d)
{
    return (long)lseek(d->fd, 0, SEEK_CUR);
}

void seekdir(DIR *d, long pos)
{
    lseek(d->fd, pos, SEEK_SET);
}
