/* Not public: the in-RAM file system (docs/files.md) -- inodes of regular
 * files and directories (fs.c), each regular file's page cache (fs.c), path
 * lookup (fs_path.c), and what the system calls' bodies (fs_calls.c), the
 * loader of the boot archive (fs_load.c), the way results leave (fs_out.c)
 * and mmap's operations (fs_map.c) share.
 *
 * A regular file's bytes live in its page cache only: order-0 frames
 * (libmm's page_alloc, reference-counted) in a radix tree indexed by page
 * number, absent where the file has a hole.  The cache holds one reference
 * on each frame; read and write copy through them; a mapping holds one more
 * per page it maps (mm/filemap.h), so a write() is seen by MAP_SHARED
 * mappings at once.
 *
 * Errors are negative newlib errno values (ENOENT, ...); the calls turn
 * them into errno with glue_fail.
 *
 * Locking: none.  One hart, libOS code is never preempted, and no file
 * call sleeps: each runs to its return. */
#ifndef LIBC_GLUE_FS_H
#define LIBC_GLUE_FS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define FS_NAME_MAX     255                 /* bytes in one name (Linux's NAME_MAX) */
#define FS_PATH_MAX     4096                /* bytes in a path with its NUL (Linux's PATH_MAX) */
#define FS_RADIX_BITS   9                   /* a radix node is one page of 512 slots */
#define FS_RADIX_LEVELS 3
#define FS_MAX_PAGES    (UINT64_C(1) << (FS_RADIX_BITS * FS_RADIX_LEVELS))
#define FS_MAX_BYTES    (FS_MAX_PAGES << 12)    /* 512 GiB: EFBIG beyond */

struct dentry;

struct inode {
    uint32_t        mode;           /* S_IFREG or S_IFDIR, and the permission bits */
    uint32_t        nlink;          /* names for it (a directory: 2 + its subdirectories) */
    uint32_t        refs;           /* open files, mappings and working directories */
    uint64_t        ino;
    uint64_t        size;           /* bytes (regular files) */
    uint64_t        pages;          /* frames in its page cache */
    struct timespec atime, mtime, ctime;
    /* Directories. */
    struct inode   *parent;         /* the directory that holds it (/: itself); once removed
                                     * (nlink 0), the one that held it, with a reference */
    struct dentry  *first, *last;   /* entries, oldest first */
    uint64_t        version;        /* bumped by each change of the entries (readdir's cursor) */
    /* Regular files: the page cache. */
    void           *radix;          /* a frame (height 0) or a node of 512 slots */
    unsigned        height;         /* radix levels above the frames */
};

struct dentry {
    struct dentry  *next;
    struct inode   *inode;
    size_t          len;
    char            name[];         /* len bytes and a NUL */
};

static inline bool fs_is_dir(const struct inode *ino)
{
    return (ino->mode & 0170000) == 0040000;
}

/* ---- fs.c: inodes, directories, the page cache ---- */
/* The root directory; NULL before fs_init. */
extern struct inode *fs_root;
/* Make the root directory (empty); 0 or -ENOMEM. */
int           fs_init(void);
/* A new inode of mode (S_IFREG/S_IFDIR | permissions) with no name yet and
 * its times now; NULL when out of memory. */
struct inode *fs_inode_new(uint32_t mode);
/* One more reference; one less (the last, with no name left, frees it and
 * its pages). */
void          fs_inode_hold(struct inode *ino);
void          fs_inode_release(struct inode *ino);
/* Drop every inode and page (the end of the run: the leak check). */
void          fs_release_all(void);
/* Set the times named by which (FS_ATIME | FS_MTIME | FS_CTIME) to now. */
#define FS_ATIME 1
#define FS_MTIME 2
#define FS_CTIME 4
void          fs_touch(struct inode *ino, unsigned which);

/* Directory dir's entry called name[0, len), or NULL; *prev (may be NULL)
 * gets the entry before it. */
struct dentry *fs_dir_find(struct inode *dir, const char *name, size_t len, struct dentry **prev);
/* Give ino the name name[0, len) in dir (which has no such entry): 0 or
 * -ENOSPC. */
int           fs_dir_add(struct inode *dir, const char *name, size_t len, struct inode *ino);
/* Remove d (prev: the entry before it, or NULL) from dir: its inode loses
 * the name (and a directory its parent). */
void          fs_dir_remove(struct inode *dir, struct dentry *d, struct dentry *prev);

/* The cache's frame for page pgoff of ino, or NULL (a hole). */
void         *fs_page_find(struct inode *ino, uint64_t pgoff);
/* The frame for page pgoff, made (zeroed) when the file has a hole there;
 * NULL when out of memory. */
void         *fs_page_make(struct inode *ino, uint64_t pgoff);
/* Put frame (one reference, which the cache takes over) at page pgoff,
 * where the file has a hole: 0 or -ENOSPC. */
int           fs_page_insert(struct inode *ino, uint64_t pgoff, void *frame);
/* Give ino the size size: pages wholly past it leave the cache (unmapped
 * from every address space first), the tail of the last one is zeroed.  0,
 * or -EFBIG beyond FS_MAX_BYTES. */
int           fs_set_size(struct inode *ino, uint64_t size);
/* Drop the cache's pages [from, to) (unmapped first): the file reads zeros
 * there (MADV_REMOVE). */
void          fs_punch(struct inode *ino, uint64_t from, uint64_t to);
/* Copy between the file and the app's buffer (user.h) at offset off: read
 * stops at the end of file.  Bytes moved, or -EFAULT when none could be;
 * write makes pages as it goes and gives -ENOSPC when none could be made
 * (-EFBIG past FS_MAX_BYTES). */
long          fs_read(struct inode *ino, void *ubuf, size_t len, uint64_t off);
long          fs_write(struct inode *ino, const void *ubuf, size_t len, uint64_t off);

/* Move the entry oname[0, olen] of odir to nname[0, nlen] in ndir, over
 * the entry there if any (rename has checked both): 0, or -ENOSPC with
 * nothing changed. */
int           fs_dir_move(struct inode *odir, const char *oname, size_t olen,
                          struct inode *ndir, const char *nname, size_t nlen);

/* ---- fs_path.c: path lookup ---- */
/* Where a path leads: the directory that holds its last component, the
 * component, and the inode it names (NULL when it does not exist). */
enum fs_last { FS_LAST_NAME, FS_LAST_DOT, FS_LAST_DOTDOT, FS_LAST_ROOT };
struct fs_path {
    struct inode *dir;          /* the directory the last component is looked up in */
    const char   *name;         /* the last component (FS_LAST_NAME), not NUL-terminated */
    size_t        len;
    enum fs_last  last;
    bool          slash;        /* the path ended with a slash */
    struct inode *inode;        /* what the last component names, NULL when nothing */
};
/* Copy the app's path into buf (FS_PATH_MAX bytes): 0, -EFAULT, or
 * -ENAMETOOLONG. */
int           fs_path_from_user(const char *upath, char *buf);
/* Walk buf (NUL-terminated) from start (a relative path) or the root: every
 * component but the last must be a directory that exists.  0 with *p
 * filled; -ENOENT (a missing directory, or an empty path), -ENOTDIR,
 * -ENAMETOOLONG (a component longer than FS_NAME_MAX).  What a trailing
 * slash after a name that is not a directory gives is the caller's to say
 * (p->slash): ENOTDIR mostly, EISDIR for open's O_CREAT. */
int           fs_walk(struct inode *start, const char *buf, struct fs_path *p);
/* The directory a relative path starts from: the working directory for
 * AT_FDCWD, else dirfd's directory; -EBADF, -ENOTDIR.  An absolute path
 * needs none (NULL is fine). */
int           fs_start_dir(int dirfd, const char *path, struct inode **dir);
/* The app's path upath from dirfd, copied into buf (FS_PATH_MAX bytes) and
 * walked: 0 with *p filled, or any of the errors above, in Linux's order. */
int           fs_resolve(int dirfd, const char *upath, char *buf, struct fs_path *p);
/* The app's path from dirfd resolved to an inode (which must exist, and be
 * a directory when the path ends with a slash): 0, or any of the errors
 * above. */
int           fs_lookup_at(int dirfd, const char *upath, struct inode **ino);

/* ---- fd.c: the working directory (held with the descriptors) ---- */
struct inode *fd_cwd(void);
void          fd_set_cwd(struct inode *dir);
/* Whether the running process has a free descriptor (open's EMFILE comes
 * before its lookup, as on Linux). */
bool          fd_has_free_slot(void);

/* ---- fs_calls.c: the calls on open files that syscalls.c dispatches (the
 * system calls' bodies are in sys.h) ---- */
struct file;
struct stat;
/* read/pread and write/pwrite on the regular file f: at its offset (which
 * moves) when at_pos, else at off.  Bytes moved or a negative errno. */
long          fs_file_read(struct file *f, void *buf, size_t len, uint64_t off, bool at_pos);
long          fs_file_write(struct file *f, const void *buf, size_t len, uint64_t off, bool at_pos);
/* lseek on a regular file or directory: the new offset or a negative errno. */
int64_t       fs_file_lseek(struct file *f, int64_t off, int whence);
/* stat's view of ino. */
void          fs_stat_fill(const struct inode *ino, struct stat *st);

/* ---- fs_load.c, fs_out.c, fs_map.c ---- */
/* Fill the file system from the boot archive (arch_boot_info()->initrd), if
 * any: at boot, before the app.  Stops the boot with a message when the
 * archive is not what the runner writes. */
void          fs_load_boot_archive(void);
/* The host file that receives /out at the end (boot option capsule.out=,
 * path[0, len)): remember it and make /out. */
void          fs_out_set(const char *path, size_t len);
/* Write /out to the host (semihosting) when capsule.out= was given: the
 * end of the run, whatever ended it.  Once. */
void          fs_out_write(void);
/* Register the file system's operations with libmm (mm/filemap.h). */
void          fs_map_register(void);

/* ---- time.c ---- */
struct timespec glue_realtime(void);

#endif
