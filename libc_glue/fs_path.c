/* Path lookup (fs.h): absolute and relative paths, ".", "..", repeated
 * and trailing slashes, Linux's limits (a path of FS_PATH_MAX bytes or more,
 * a component over FS_NAME_MAX: ENAMETOOLONG) and errors in its order. */
#include <errno.h>
#include <fcntl.h>

#include "file.h"
#include "fs.h"
#include "user.h"

#define LINUX_AT_FDCWD  (-100)      /* newlib's AT_FDCWD is -2; an app built for Linux's ABI passes this */

/* Contract in fs.h. */
int fs_path_from_user(const char *upath, char *buf)
{
    long len = user_read_string(buf, upath, FS_PATH_MAX);
    return len < 0 ? (int)len : 0;
}

/* What kind of component name[0, len) is. */
static enum fs_last component_kind(const char *name, size_t len)
{
    if (len == 1 && name[0] == '.')
        return FS_LAST_DOT;
    if (len == 2 && name[0] == '.' && name[1] == '.')
        return FS_LAST_DOTDOT;
    return FS_LAST_NAME;
}

/* What component name[0, len) of kind names in dir, or NULL.  A removed
 * directory holds nothing, but its ".." still leads up. */
static struct inode *component(struct inode *dir, const char *name, size_t len, enum fs_last kind)
{
    if (kind == FS_LAST_DOT)
        return dir;
    if (kind == FS_LAST_DOTDOT)
        return dir->parent;
    struct dentry *d = fs_dir_find(dir, name, len, NULL);
    return d ? d->inode : NULL;
}

/* Contract in fs.h. */
int fs_walk(struct inode *start, const char *buf, struct fs_path *p)
{
    const char *s = buf;
    if (*s == '\0')
        return -ENOENT;
    struct inode *dir = *s == '/' ? fs_root : start;
    while (*s == '/')
        s++;
    if (*s == '\0') {       /* "/", "//", ...: the root itself */
        *p = (struct fs_path){ fs_root, s, 0, FS_LAST_ROOT, true, fs_root };
        return 0;
    }
    for (;;) {
        const char *name = s;
        while (*s && *s != '/')
            s++;
        size_t len = (size_t)(s - name);
        if (len > FS_NAME_MAX)
            return -ENAMETOOLONG;
        bool slash = *s == '/';
        while (*s == '/')
            s++;
        enum fs_last kind = component_kind(name, len);
        struct inode *next = component(dir, name, len, kind);
        if (*s == '\0') {
            *p = (struct fs_path){ dir, name, len, kind, slash, next };
            return 0;
        }
        if (!next)
            return -ENOENT;
        if (!fs_is_dir(next))
            return -ENOTDIR;
        dir = next;
    }
}

/* Contract in fs.h. */
int fs_start_dir(int dirfd, const char *path, struct inode **dir)
{
    *dir = NULL;
    if (path[0] == '/' || path[0] == '\0')
        return 0;               /* fs_walk: the root, or ENOENT for an empty path */
    if (dirfd == AT_FDCWD || dirfd == LINUX_AT_FDCWD) {
        *dir = fd_cwd();
        return 0;
    }
    struct file *f = fd_file(dirfd);
    if (!f)
        return -EBADF;
    if (f->kind != FILE_DIR)
        return -ENOTDIR;
    *dir = f->inode;
    return 0;
}

/* Contract in fs.h. */
int fs_resolve(int dirfd, const char *upath, char *buf, struct fs_path *p)
{
    struct inode *dir;
    int err = fs_path_from_user(upath, buf);
    if (err == 0)
        err = fs_start_dir(dirfd, buf, &dir);
    return err ? err : fs_walk(dir, buf, p);
}

/* The path buffer of fs_lookup_at: file calls never sleep, so one process
 * at a time uses it. */
static char lookup_buf[FS_PATH_MAX];

/* Contract in fs.h. */
int fs_lookup_at(int dirfd, const char *upath, struct inode **ino)
{
    struct fs_path p;
    int err = fs_resolve(dirfd, upath, lookup_buf, &p);
    if (err == 0 && !p.inode)
        err = -ENOENT;
    if (err == 0 && p.slash && !fs_is_dir(p.inode))
        err = -ENOTDIR;
    *ino = err ? NULL : p.inode;
    return err;
}
