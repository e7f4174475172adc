/* Descriptor tables (file.h, proc.h): one per process, inherited by fork,
 * with the process's working directory (fs.h), and the calls on
 * descriptors themselves: close, dup, dup2, pipe.  read and write dispatch
 * on the open file's kind (syscalls.c). */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <mm/kalloc.h>

#include "file.h"
#include "fs.h"
#include "glue.h"
#include "sys.h"
#include "proc.h"
#include "user.h"

struct fdtable {
    int           top;          /* one past the highest descriptor ever used */
    struct inode *cwd;          /* the working directory (a reference; NULL: none yet) */
    struct file  *fd[FD_MAX];
};

/* The console's two open files, shared by every process; never freed. */
static struct file console_in = { .kind = FILE_CONSOLE_IN, .refs = 1 };
static struct file console_out = { .kind = FILE_CONSOLE_OUT, .refs = 1 };

static void file_get(struct file *f)
{
    f->refs++;
}

/* Drop one reference to f: a pipe end's last closes it, a file's last
 * lets its inode go. */
static void file_put(struct file *f)
{
    if (f->kind == FILE_PIPE_READ || f->kind == FILE_PIPE_WRITE) {
        pipe_close(f);
    } else if (--f->refs == 0 && (f->kind == FILE_REGULAR || f->kind == FILE_DIR)) {
        fs_inode_release(f->inode);
        kfree(f);
    }
}

/* Contract in file.h. */
int fd_open_inode(struct inode *ino, int flags)
{
    struct file *f = kzalloc(sizeof *f);
    if (!f)
        return -ENOMEM;
    f->kind = fs_is_dir(ino) ? FILE_DIR : FILE_REGULAR;
    f->inode = ino;
    f->flags = flags;
    int fd = fd_install(f, 0);
    if (fd < 0)
        kfree(f);
    else
        fs_inode_hold(ino);
    return fd;
}

/* Contract in fs.h. */
bool fd_has_free_slot(void)
{
    struct fdtable *t = proc_current->fds;
    for (int i = 0; i < FD_MAX; i++)
        if (!t->fd[i])
            return true;
    return false;
}

/* Contract in fs.h. */
struct inode *fd_cwd(void)
{
    struct fdtable *t = proc_current->fds;
    return t->cwd ? t->cwd : fs_root;
}

/* Contract in fs.h. */
void fd_set_cwd(struct inode *dir)
{
    struct fdtable *t = proc_current->fds;
    fs_inode_hold(dir);
    if (t->cwd)
        fs_inode_release(t->cwd);
    t->cwd = dir;
}

/* The first process's table: static, so boot allocates nothing for it
 * (the allocators start the app as they did before processes). */
static struct fdtable first_table;

/* Contract in proc.h. */
struct fdtable *fd_table_first(void)
{
    struct fdtable *t = &first_table;
    t->fd[0] = &console_in;
    t->fd[1] = &console_out;
    t->fd[2] = &console_out;
    t->top = 3;
    console_out.refs += 2;
    return t;
}

/* Contract in proc.h. */
struct fdtable *fd_table_copy(const struct fdtable *t)
{
    struct fdtable *c = kzalloc(sizeof *c);
    if (c) {
        c->top = t->top;
        c->cwd = t->cwd;
        if (c->cwd)
            fs_inode_hold(c->cwd);
    }
    for (int i = 0; c && i < t->top; i++) {
        c->fd[i] = t->fd[i];
        if (c->fd[i])
            file_get(c->fd[i]);
    }
    return c;
}

/* Contract in proc.h. */
void fd_table_release(struct fdtable *t)
{
    for (int i = 0; t && i < t->top; i++)
        if (t->fd[i])
            file_put(t->fd[i]);
    if (t && t->cwd)
        fs_inode_release(t->cwd);
    if (t)
        t->cwd = NULL;
    if (t && t != &first_table)
        kfree(t);
}

/* Contract in file.h. */
struct file *fd_file(int fd)
{
    if (fd < 0 || fd >= FD_MAX || !proc_current->fds)
        return NULL;
    return proc_current->fds->fd[fd];
}

/* Contract in file.h. */
int fd_install(struct file *f, int from)
{
    struct fdtable *t = proc_current->fds;
    for (int i = from; i < FD_MAX; i++) {
        if (!t->fd[i]) {
            t->fd[i] = f;
            file_get(f);
            if (i >= t->top)
                t->top = i + 1;
            return i;
        }
    }
    return -EMFILE;
}

/* Contract in sys.h. */
long sys_close(int fd)
{
    struct file *f = fd_file(fd);
    if (!f)
        return -EBADF;
    proc_current->fds->fd[fd] = NULL;
    file_put(f);
    return 0;
}

/* Contract in sys.h. */
long sys_dup(int oldfd)
{
    struct file *f = fd_file(oldfd);
    if (!f)
        return -EBADF;
    return fd_install(f, 0);
}

/* Contract in sys.h: newfd is closed first (silently); EINVAL for the same
 * fd or flags other than O_CLOEXEC (which Capsule, without exec, ignores). */
long sys_dup3(int oldfd, int newfd, int flags)
{
    struct file *f = fd_file(oldfd);
    if (flags & ~O_CLOEXEC)
        return -EINVAL;
    if (!f || newfd < 0 || newfd >= FD_MAX)
        return -EBADF;
    if (oldfd == newfd)
        return -EINVAL;
    struct fdtable *t = proc_current->fds;
    struct file *old = t->fd[newfd];
    file_get(f);
    t->fd[newfd] = f;
    if (newfd >= t->top)
        t->top = newfd + 1;
    if (old)
        file_put(old);
    return newfd;
}

/* Contract in sys.h.  fds[0] the read end, fds[1] the write end, the
 * lowest free descriptors.  EFAULT for a bad fds (nothing opened), EMFILE,
 * ENOMEM; flags other than O_CLOEXEC: EINVAL. */
long sys_pipe2(int *fds, int flags)
{
    struct file *r, *w;
    int pair[2] = { 0, 0 };
    if (flags & ~O_CLOEXEC)
        return -EINVAL;
    if (user_read(pair, fds, sizeof pair) < 0 || user_write(fds, pair, sizeof pair) < 0)
        return -EFAULT;
    int err = pipe_open(&r, &w);
    if (err < 0)
        return err;
    pair[0] = fd_install(r, 0);
    pair[1] = pair[0] < 0 ? -EMFILE : fd_install(w, 0);
    pipe_close(r);          /* the descriptors hold the references now */
    pipe_close(w);
    if (pair[1] < 0) {
        if (pair[0] >= 0)
            sys_close(pair[0]);
        return -EMFILE;
    }
    user_write(fds, pair, sizeof pair);
    return 0;
}

/* Contract in sys.h: F_DUPFD, F_GETFD and F_SETFD (no exec: close-on-exec
 * changes nothing), F_GETFL, and F_SETFL, which changes a file's O_APPEND;
 * other commands are EINVAL. */
long sys_fcntl(int fd, int cmd, long arg)
{
    struct file *f = fd_file(fd);
    if (!f)
        return -EBADF;
    switch (cmd) {
    case F_DUPFD:
        return arg < 0 || arg >= FD_MAX ? -EINVAL : fd_install(f, (int)arg);
    case F_GETFD:
    case F_SETFD:
        return 0;
    case F_GETFL:
        if (f->kind == FILE_REGULAR || f->kind == FILE_DIR)
            return f->flags;
        return f->kind == FILE_CONSOLE_IN || f->kind == FILE_PIPE_READ ? O_RDONLY : O_WRONLY;
    case F_SETFL:
        if (f->kind == FILE_REGULAR)
            f->flags = (f->flags & ~O_APPEND) | ((int)arg & O_APPEND);
        return 0;
    default:
        return -EINVAL;
    }
}
