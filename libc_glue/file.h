/* Not public: open files and descriptors.  A descriptor table (per
 * process, proc.h) maps small numbers to open files; an open file is the
 * console's input or output, one end of a pipe, or a regular file or
 * directory of the file system (fs.h), with a reference per descriptor that
 * names it (dup, fork: the offset is shared, as on Linux).  Every pointer
 * from the app goes through user.h inside the read and write bodies. */
#ifndef LIBC_GLUE_FILE_H
#define LIBC_GLUE_FILE_H

#include <stddef.h>
#include <stdint.h>

#define FD_MAX          255         /* descriptors per process: EMFILE beyond (a table is 2 KiB) */
#define PIPE_BYTES      65536       /* a pipe's capacity, as Linux's default */
#define PIPE_ATOMIC_BYTES 4096      /* Linux's PIPE_BUF: writes up to it are not interleaved */

enum file_kind { FILE_CONSOLE_IN, FILE_CONSOLE_OUT, FILE_PIPE_READ, FILE_PIPE_WRITE,
                 FILE_REGULAR, FILE_DIR };

struct pipe;
struct inode;
struct dentry;

struct file {
    enum file_kind  kind;
    int             refs;       /* descriptors naming it; the console's never reach 0 */
    struct pipe    *pipe;       /* FILE_PIPE_* */
    struct inode   *inode;      /* FILE_REGULAR, FILE_DIR: one reference */
    int             flags;      /* FILE_REGULAR, FILE_DIR: open's O_ACCMODE and O_APPEND */
    uint64_t        pos;        /* FILE_REGULAR: the offset; FILE_DIR: readdir's entry index */
    struct dentry  *cursor;     /* FILE_DIR: the entry at pos, while the directory's */
    uint64_t        cursor_version;     /* version is this one */
};

/* ---- fd.c ---- */
/* The running process's open file at fd, or NULL (EBADF). */
struct file *fd_file(int fd);
/* The lowest free descriptor >= from in the running process bound to f
 * (which takes a reference); -EMFILE when none. */
int          fd_install(struct file *f, int from);
/* A new open file of the file system's inode (kind FILE_REGULAR or FILE_DIR
 * by its type) with open's flags, at the lowest free descriptor: the
 * descriptor, -EMFILE or -ENOMEM (nothing is left open then). */
int          fd_open_inode(struct inode *ino, int flags);

/* ---- pipe.c ---- */
/* A new pipe's two open files (refs 1 each); -ENOMEM. */
int     pipe_open(struct file **read_end, struct file **write_end);
/* Drop one reference of a pipe end; the last one of an end closes it (the
 * other side sees end of file, or EPIPE), the last of both frees the pipe. */
void    pipe_close(struct file *f);
/* Linux's pipe read and write on the app's buffer: bytes moved, or a
 * negative errno (-EFAULT, -EPIPE after the SIGPIPE default action). */
long    pipe_read(struct file *f, void *ubuf, size_t len);
long    pipe_write(struct file *f, const void *ubuf, size_t len);

/* ---- syscalls.c: the console's files ---- */
long    console_file_read(void *ubuf, size_t len);
long    console_file_write(const void *ubuf, size_t len);
int     console_input_is_pipe(void);

#endif
