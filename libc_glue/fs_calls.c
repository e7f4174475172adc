/* The bodies of the file system's calls (sys.h: Linux's names and
 * arguments, a result or a negative errno), each checking its arguments in
 * Linux's order so that every failure is the errno Linux gives
 * (tests/guest/posix_files compares with Linux): openat, the offset-taking
 * reads and writes, newfstatat, faccessat, unlinkat, mkdirat, renameat2,
 * linkat, truncate, fsync, the working directory, umask and getdents64.
 * read, write, lseek and fstat on a regular file come here from
 * syscalls.c through fs_file_*.  The newlib-facing entry points are the app
 * side's (wrap/files.c, wrap/dirent.c).
 *
 * The app runs as root (no permission is ever refused), on one file
 * system; there are no symbolic links, so lstat is stat. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file.h"
#include "fs.h"
#include "glue_mem.h"
#include "glue.h"
#include "sys.h"
#include "user.h"

#define DEFAULT_UMASK   022
#define MODE_BITS       07777
#define DIR_ENTRY_BYTES 20          /* tmpfs's size of a directory entry (st_size) */
#define BLOCK_BYTES     512         /* st_blocks' unit */
#define PAGE_BYTES      4096
#define FS_DEV          1           /* st_dev of every file */
/* Linux's MAX_RW_COUNT: one read or write moves at most this many bytes. */
#define MAX_RW_BYTES    ((size_t)INT_MAX & ~(size_t)(PAGE_BYTES - 1))

/* Path buffers: file calls never sleep, so one process at a time uses them
 * (rename and link need two). */
static char path_a[FS_PATH_MAX], path_b[FS_PATH_MAX];
/* The file mode creation mask: one for every process (on Linux each has its
 * own, which fork copies). */
static mode_t file_umask = DEFAULT_UMASK;


/* ---- open ----------------------------------------------------------------- */

/* The flags open rejects outright (before it reads the path). */
static int open_flags_error(int flags)
{
    return (flags & O_CREAT) && (flags & O_DIRECTORY) ? -EINVAL : 0;     /* Linux 6.4 on */
}

/* A new regular file name[0, len) in dir with mode (less the umask). */
static int create_file(const struct fs_path *p, int mode, struct inode **out)
{
    if (p->dir->nlink == 0)
        return -ENOENT;         /* the directory was removed */
    struct inode *ino = fs_inode_new(S_IFREG | ((mode_t)mode & MODE_BITS & ~file_umask));
    if (!ino)
        return -ENOSPC;
    int err = fs_dir_add(p->dir, p->name, p->len, ino);
    if (err) {
        fs_inode_hold(ino);     /* no name: the release frees it */
        fs_inode_release(ino);
        return err;
    }
    *out = ino;
    return 0;
}

/* What open finds at p, or creates there: the inode to open, or Linux's
 * error for flags. */
static int open_target(const struct fs_path *p, int flags, int mode, struct inode **out)
{
    struct inode *ino = p->inode;
    if (!ino) {
        if (!(flags & O_CREAT))
            return -ENOENT;
        if (p->slash || p->last != FS_LAST_NAME)
            return -EISDIR;
        return create_file(p, mode, out);
    }
    if ((flags & O_CREAT) && (flags & O_EXCL))
        return -EEXIST;
    if (fs_is_dir(ino)) {
        if ((flags & O_CREAT) || (flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC))
            return -EISDIR;
    } else if (p->slash && (flags & O_CREAT)) {
        return -EISDIR;
    } else if (p->slash || (flags & O_DIRECTORY)) {
        return -ENOTDIR;
    } else if (flags & O_TRUNC) {
        fs_set_size(ino, 0);
        fs_touch(ino, FS_MTIME | FS_CTIME);
    }
    *out = ino;
    return 0;
}

/* Contract in sys.h. */
long sys_openat(int dirfd, const char *upath, int flags, int mode)
{
    struct fs_path p;
    struct inode *ino;
    int err = open_flags_error(flags);
    if (err == 0)
        err = fs_path_from_user(upath, path_a);
    if (err == 0 && !fd_has_free_slot())
        err = -EMFILE;
    if (err == 0)
        err = fs_start_dir(dirfd, path_a, &p.dir);
    if (err == 0)
        err = fs_walk(p.dir, path_a, &p);
    if (err == 0)
        err = open_target(&p, flags, mode, &ino);
    return err ? err : fd_open_inode(ino, flags & (O_ACCMODE | O_APPEND));
}

/* ---- reading and writing -------------------------------------------------- */

/* Contract in fs.h. */
long fs_file_read(struct file *f, void *buf, size_t len, uint64_t off, bool at_pos)
{
    if ((f->flags & O_ACCMODE) == O_WRONLY || (f->flags & O_ACCMODE) == O_ACCMODE)
        return -EBADF;
    if (!user_range_ok(buf, len))
        return -EFAULT;
    long n = fs_read(f->inode, buf, len < MAX_RW_BYTES ? len : MAX_RW_BYTES, at_pos ? f->pos : off);
    if (n > 0 && at_pos)
        f->pos += (uint64_t)n;
    if (n >= 0)
        fs_touch(f->inode, FS_ATIME);
    return n;
}

/* Contract in fs.h.  O_APPEND writes at the end, pwrite too (as
 * Linux does). */
long fs_file_write(struct file *f, const void *buf, size_t len, uint64_t off, bool at_pos)
{
    if ((f->flags & O_ACCMODE) == O_RDONLY || (f->flags & O_ACCMODE) == O_ACCMODE)
        return -EBADF;
    if (!user_range_ok(buf, len))
        return -EFAULT;
    if (len == 0)
        return 0;
    uint64_t at = (f->flags & O_APPEND) ? f->inode->size : at_pos ? f->pos : off;
    long n = fs_write(f->inode, buf, len < MAX_RW_BYTES ? len : MAX_RW_BYTES, at);
    if (n > 0 && at_pos)
        f->pos = at + (uint64_t)n;
    if (n > 0)
        fs_touch(f->inode, FS_MTIME | FS_CTIME);
    return n;
}

/* pread and pwrite: a negative offset is EINVAL before the descriptor is
 * looked at; the console and pipes cannot seek (ESPIPE). */
static long positioned(int fd, off_t off, struct file **out)
{
    if (off < 0)
        return -EINVAL;
    struct file *f = fd_file(fd);
    if (!f)
        return -EBADF;
    if (f->kind != FILE_REGULAR && f->kind != FILE_DIR)
        return -ESPIPE;
    *out = f;
    return 0;
}

/* Contract in sys.h. */
long sys_pread64(int fd, void *buf, size_t len, off_t off)
{
    struct file *f;
    long r = positioned(fd, off, &f);
    if (r == 0)
        r = f->kind == FILE_DIR ? -EISDIR : fs_file_read(f, buf, len, (uint64_t)off, false);
    return r;
}

/* Contract in sys.h. */
long sys_pwrite64(int fd, const void *buf, size_t len, off_t off)
{
    struct file *f;
    long r = positioned(fd, off, &f);
    if (r == 0)
        r = f->kind == FILE_DIR ? -EBADF : fs_file_write(f, buf, len, (uint64_t)off, false);
    return r;
}

/* Contract in fs.h.  A directory's offset is its entry index:
 * SEEK_SET and SEEK_CUR only, as Linux's tmpfs. */
int64_t fs_file_lseek(struct file *f, int64_t off, int whence)
{
    int64_t base;
    switch (whence) {
    case SEEK_SET: base = 0; break;
    case SEEK_CUR: base = (int64_t)f->pos; break;
    case SEEK_END:
        if (f->kind == FILE_DIR)
            return -EINVAL;
        base = (int64_t)f->inode->size;
        break;
    default:
        return -EINVAL;
    }
    int64_t to;
    if (__builtin_add_overflow(base, off, &to) || to < 0)
        return -EINVAL;
    if (f->kind == FILE_DIR && (uint64_t)to != f->pos)
        f->cursor = NULL;
    f->pos = (uint64_t)to;
    return to;
}

/* ---- stat ----------------------------------------------------------------- */

/* Contract in fs.h. */
void fs_stat_fill(const struct inode *ino, struct stat *st)
{
    uint64_t entries = 0;
    for (const struct dentry *d = ino->first; d; d = d->next)
        entries++;
    *st = (struct stat){
        .st_dev = FS_DEV, .st_ino = (ino_t)ino->ino, .st_mode = ino->mode, .st_nlink = ino->nlink,
        .st_size = (off_t)(fs_is_dir(ino) ? (entries + 2) * DIR_ENTRY_BYTES : ino->size),
        .st_blksize = PAGE_BYTES, .st_blocks = (blkcnt_t)(ino->pages * (PAGE_BYTES / BLOCK_BYTES)),
        .st_atim = ino->atime, .st_mtim = ino->mtime, .st_ctim = ino->ctime,
    };
}

/* Fill the app's st for the inode at dirfd/upath. */
static int stat_at(int dirfd, const char *upath, struct stat *ust)
{
    struct inode *ino;
    struct stat st;
    int err = fs_lookup_at(dirfd, upath, &ino);
    if (err)
        return err;
    fs_stat_fill(ino, &st);
    return user_write(ust, &st, sizeof st) < 0 ? -EFAULT : 0;
}

/* Contract in sys.h.  flags: AT_SYMLINK_NOFOLLOW changes nothing (no
 * links: lstat is stat); others EINVAL. */
long sys_newfstatat(int dirfd, const char *path, struct stat *st, int flags)
{
    if (flags & ~AT_SYMLINK_NOFOLLOW)
        return -EINVAL;
    return stat_at(dirfd, path, st);
}

/* access and faccessat: as root, everything may be read and written; a
 * regular file may be executed when any execute bit is set. */
static int access_at(int dirfd, const char *upath, int amode, int flags)
{
    struct inode *ino;
    if (amode & ~(R_OK | W_OK | X_OK) || (flags & ~(AT_EACCESS | AT_SYMLINK_NOFOLLOW)))
        return -EINVAL;
    int err = fs_lookup_at(dirfd, upath, &ino);
    if (err)
        return err;
    if ((amode & X_OK) && !fs_is_dir(ino) && !(ino->mode & 0111))
        return -EACCES;
    return 0;
}

/* Contract in sys.h. */
long sys_faccessat(int dirfd, const char *path, int amode, int flags)
{
    return access_at(dirfd, path, amode, flags);
}

/* ---- names: unlink, rmdir, mkdir, link, rename ---------------------------- */

/* unlink: a directory is EISDIR, a trailing slash after a file ENOTDIR. */
static int unlink_at(int dirfd, const char *upath)
{
    struct fs_path p;
    struct dentry *prev;
    int err = fs_resolve(dirfd, upath, path_a, &p);
    if (err)
        return err;
    if (p.last != FS_LAST_NAME)
        return -EISDIR;
    if (!p.inode)
        return -ENOENT;
    if (fs_is_dir(p.inode))
        return -EISDIR;
    if (p.slash)
        return -ENOTDIR;
    fs_dir_remove(p.dir, fs_dir_find(p.dir, p.name, p.len, &prev), prev);
    return 0;
}

/* rmdir: "." is EINVAL, ".." ENOTEMPTY, "/" EBUSY, as Linux. */
static int rmdir_at(int dirfd, const char *upath)
{
    struct fs_path p;
    struct dentry *prev;
    int err = fs_resolve(dirfd, upath, path_a, &p);
    if (err)
        return err;
    switch (p.last) {
    case FS_LAST_DOT: return -EINVAL;
    case FS_LAST_DOTDOT: return -ENOTEMPTY;
    case FS_LAST_ROOT: return -EBUSY;
    case FS_LAST_NAME: break;
    }
    if (!p.inode)
        return -ENOENT;
    if (!fs_is_dir(p.inode))
        return -ENOTDIR;
    if (p.inode->first)
        return -ENOTEMPTY;
    fs_dir_remove(p.dir, fs_dir_find(p.dir, p.name, p.len, &prev), prev);
    return 0;
}

/* Contract in sys.h: rmdir is AT_REMOVEDIR. */
long sys_unlinkat(int dirfd, const char *path, int flags)
{
    if (flags & ~AT_REMOVEDIR)
        return -EINVAL;
    return flags & AT_REMOVEDIR ? rmdir_at(dirfd, path) : unlink_at(dirfd, path);
}

static int mkdir_at(int dirfd, const char *upath, mode_t mode)
{
    struct fs_path p;
    int err = fs_resolve(dirfd, upath, path_a, &p);
    if (err)
        return err;
    if (p.last != FS_LAST_NAME || p.inode)
        return -EEXIST;
    if (p.dir->nlink == 0)
        return -ENOENT;
    struct inode *ino = fs_inode_new(S_IFDIR | (mode & MODE_BITS & ~file_umask));
    if (!ino)
        return -ENOSPC;
    err = fs_dir_add(p.dir, p.name, p.len, ino);
    if (err) {
        fs_inode_hold(ino);
        fs_inode_release(ino);
    }
    return err;
}

/* Contract in sys.h. */
long sys_mkdirat(int dirfd, const char *path, mode_t mode)
{
    return mkdir_at(dirfd, path, mode);
}

/* link: a new name for a regular file (a directory: EPERM). */
static int link_at(int olddirfd, const char *uold, int newdirfd, const char *unew)
{
    struct fs_path o, n;
    int err = fs_resolve(olddirfd, uold, path_a, &o);
    if (err == 0)
        err = fs_resolve(newdirfd, unew, path_b, &n);
    if (err)
        return err;
    if (!o.inode)
        return -ENOENT;
    if (o.slash && !fs_is_dir(o.inode))
        return -ENOTDIR;
    if (n.last != FS_LAST_NAME || n.inode)
        return -EEXIST;
    if (n.slash)
        return -ENOENT;
    if (fs_is_dir(o.inode))
        return -EPERM;
    if (n.dir->nlink == 0)
        return -ENOENT;
    err = fs_dir_add(n.dir, n.name, n.len, o.inode);
    if (err == 0)
        fs_touch(o.inode, FS_CTIME);
    return err;
}

/* Contract in sys.h. */
long sys_linkat(int olddirfd, const char *old, int newdirfd, const char *new, int flags)
{
    if (flags & ~AT_SYMLINK_FOLLOW)
        return -EINVAL;
    return link_at(olddirfd, old, newdirfd, new);
}

/* Whether dir is anc or lies below it. */
static bool dir_within(const struct inode *dir, const struct inode *anc)
{
    for (; dir; dir = dir->parent == dir ? NULL : dir->parent)
        if (dir == anc)
            return true;
    return false;
}

/* rename's checks once both names are looked up, in Linux's order. */
static int rename_error(const struct fs_path *o, const struct fs_path *n)
{
    if (o->last != FS_LAST_NAME || n->last != FS_LAST_NAME)
        return -EBUSY;
    if (!o->inode)
        return -ENOENT;
    bool dir = fs_is_dir(o->inode);
    if (!dir && (o->slash || n->slash))
        return -ENOTDIR;
    if (dir && o->dir != n->dir && dir_within(n->dir, o->inode))
        return -EINVAL;         /* into its own subtree */
    if (n->inode && o->dir != n->dir && fs_is_dir(n->inode) && dir_within(o->dir, n->inode))
        return -ENOTEMPTY;      /* over a directory the source lies in */
    if (n->inode == o->inode)
        return 0;
    if (n->inode && dir && !fs_is_dir(n->inode))
        return -ENOTDIR;
    if (n->inode && !dir && fs_is_dir(n->inode))
        return -EISDIR;
    if (n->inode && dir && n->inode->first)
        return -ENOTEMPTY;
    if (n->dir->nlink == 0)
        return -ENOENT;
    return 0;
}

static int rename_at(int olddirfd, const char *uold, int newdirfd, const char *unew)
{
    struct fs_path o, n;
    int err = fs_path_from_user(uold, path_a);
    if (err == 0)
        err = fs_path_from_user(unew, path_b);
    if (err == 0)
        err = fs_start_dir(olddirfd, path_a, &o.dir);
    if (err == 0)
        err = fs_walk(o.dir, path_a, &o);
    if (err == 0)
        err = fs_start_dir(newdirfd, path_b, &n.dir);
    if (err == 0)
        err = fs_walk(n.dir, path_b, &n);
    if (err == 0)
        err = rename_error(&o, &n);
    if (err || n.inode == o.inode)
        return err;
    return fs_dir_move(o.dir, o.name, o.len, n.dir, n.name, n.len);
}

/* Contract in sys.h: no flags (RENAME_NOREPLACE, RENAME_EXCHANGE: EINVAL). */
long sys_renameat2(int olddirfd, const char *old, int newdirfd, const char *new, unsigned flags)
{
    if (flags)
        return -EINVAL;
    return rename_at(olddirfd, old, newdirfd, new);
}

/* ---- size and sync -------------------------------------------------------- */

static int truncate_inode(struct inode *ino, off_t length)
{
    int err = fs_set_size(ino, (uint64_t)length);
    if (err == 0)
        fs_touch(ino, FS_MTIME | FS_CTIME);
    return err;
}

/* Contract in sys.h. */
long sys_truncate(const char *path, off_t length)
{
    struct inode *ino;
    if (length < 0)
        return -EINVAL;
    int err = fs_lookup_at(AT_FDCWD, path, &ino);
    if (err == 0 && fs_is_dir(ino))
        err = -EISDIR;
    return err ? err : truncate_inode(ino, length);
}

/* Contract in sys.h: a descriptor that is not a regular file open for
 * writing is EINVAL, as Linux. */
long sys_ftruncate(int fd, off_t length)
{
    if (length < 0)
        return -EINVAL;
    struct file *f = fd_file(fd);
    if (!f)
        return -EBADF;
    int acc = f->flags & O_ACCMODE;
    if (f->kind != FILE_REGULAR || acc == O_RDONLY || acc == O_ACCMODE)
        return -EINVAL;
    return truncate_inode(f->inode, length);
}

/* Contract in sys.h: the file system is RAM, nothing to write back; the
 * console and pipes cannot be synced (EINVAL, as Linux). */
long sys_fsync(int fd)
{
    struct file *f = fd_file(fd);
    if (!f)
        return -EBADF;
    return f->kind == FILE_REGULAR || f->kind == FILE_DIR ? 0 : -EINVAL;
}

/* Contract in sys.h. */
long sys_fdatasync(int fd)
{
    return sys_fsync(fd);
}

/* ---- the working directory ------------------------------------------------ */

/* Contract in sys.h. */
long sys_chdir(const char *path)
{
    struct inode *ino;
    int err = fs_lookup_at(AT_FDCWD, path, &ino);
    if (err == 0 && !fs_is_dir(ino))
        err = -ENOTDIR;
    if (err == 0)
        fd_set_cwd(ino);
    return err;
}

/* Contract in sys.h. */
long sys_fchdir(int fd)
{
    struct file *f = fd_file(fd);
    if (!f)
        return -EBADF;
    if (f->kind != FILE_DIR)
        return -ENOTDIR;
    fd_set_cwd(f->inode);
    return 0;
}

/* Write the path of dir (reachable from the root) into buf (size bytes,
 * from its end backwards); its length with the NUL, or -ERANGE. */
static long dir_path(const struct inode *dir, char *buf, size_t size)
{
    size_t at = size;
    buf[--at] = '\0';
    for (; dir != fs_root; dir = dir->parent) {
        const struct dentry *d = dir->parent->first;
        while (d->inode != dir)
            d = d->next;
        if (at < d->len + 1)
            return -ERANGE;
        at -= d->len;
        glue_memcpy(buf + at, d->name, d->len);
        buf[--at] = '/';
    }
    if (at == size - 1)
        buf[--at] = '/';
    for (size_t i = 0; i < size - at; i++)
        buf[i] = buf[at + i];
    return (long)(size - at);
}

/* Contract in sys.h: the path's length with its NUL, as Linux's system
 * call; ENOENT once the working directory was removed, ERANGE when size is
 * too small (the app side makes getcwd(NULL, n) and EINVAL for size 0). */
long sys_getcwd(char *buf, size_t size)
{
    const struct inode *cwd = fd_cwd();
    if (cwd->nlink == 0)
        return -ENOENT;
    long len = dir_path(cwd, path_a, FS_PATH_MAX);
    if (len < 0 || (size_t)len > size)
        return -ERANGE;
    return user_write(buf, path_a, (size_t)len) < 0 ? -EFAULT : len;
}

/* Contract in sys.h. */
long sys_umask(mode_t mask)
{
    mode_t old = file_umask;
    file_umask = mask & 0777;
    return old;
}

/* One entry of getdents64's buffer (Linux's struct linux_dirent64). */
struct dirent64 {
    uint64_t d_ino;
    int64_t  d_off;         /* the position after this entry */
    uint16_t d_reclen;
    uint8_t  d_type;
    char     d_name[];
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
    }
    for (; d && at < pos; at++)
        d = d->next;
    f->cursor = d;
    f->cursor_version = dir->version;
    return d;
}

/* Contract in sys.h: the entries of the open directory fd from its
 * position, "." and ".." first, then the entries oldest first, as many as
 * fit in len bytes: the bytes filled (0 at the end); EINVAL when not even
 * the next entry fits, ENOTDIR for a descriptor that is not a directory. */
long sys_getdents64(int fd, void *buf, size_t len)
{
    struct file *f = fd_file(fd);
    if (!f)
        return -EBADF;
    if (f->kind != FILE_DIR)
        return -ENOTDIR;
    char rec[sizeof(struct dirent64) + FS_NAME_MAX + 1 + 7];
    size_t done = 0;
    for (;;) {
        struct inode *dir = f->inode, *ino;
        const char *name;
        size_t nlen;
        struct dentry *d = NULL;
        if (f->pos < 2) {
            ino = f->pos == 0 ? dir : dir->parent ? dir->parent : dir;
            name = f->pos == 0 ? "." : "..";
            nlen = (size_t)f->pos + 1;
        } else {
            if (!(d = entry_at(f, f->pos)))
                break;
            ino = d->inode;
            name = d->name;
            nlen = d->len;
        }
        size_t reclen = (sizeof(struct dirent64) + nlen + 1 + 7) & ~(size_t)7;
        if (done + reclen > len) {
            if (done == 0)
                return -EINVAL;
            break;
        }
        struct dirent64 *e = (struct dirent64 *)rec;
        glue_memset(rec, 0, reclen);
        e->d_ino = ino->ino;
        e->d_off = (int64_t)f->pos + 1;
        e->d_reclen = (uint16_t)reclen;
        e->d_type = fs_is_dir(ino) ? DT_DIR : DT_REG;
        glue_memcpy(e->d_name, name, nlen);
        if (user_write((char *)buf + done, rec, reclen) < 0)
            return done ? (long)done : -EFAULT;
        done += reclen;
        f->pos++;
        if (d)
            f->cursor = d->next;
    }
    return (long)done;
}
