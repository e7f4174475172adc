/* The system calls newlib needs (it is built with its own syscalls off):
 * read and write on descriptors (dispatched on the open file: the console
 * here, pipes in pipe.c, regular files in fs_calls.c), fstat/isatty/lseek,
 * and the heap break.  Process calls are in process.c, descriptor calls in
 * fd.c, the file system's calls in fs_calls.c. */
#include <errno.h>
#include <reent.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <signal.h>

#include <arch/console.h>
#include <arch/exit.h>
#include <arch/timer.h>

#include <mm/errno.h>
#include <mm/page.h>
#include <mm/uvm.h>

#include "file.h"
#include "fs.h"
#include "glue.h"
#include "sys.h"
#include "tty.h"
#include "user.h"

#define STDIN   0
#define STDOUT  1
#define STDERR  2

#define BOUNCE_BYTES 256
/* Linux's MAX_RW_COUNT: one read or write moves at most this many bytes. */
#define MAX_RW_BYTES ((size_t)INT_MAX & ~(size_t)(PAGE_SIZE - 1))

/* The console's output: the app's buffer goes through the checked copy
 * (user.h): a range outside the app's half gives EFAULT before anything is
 * written, as Linux's access_ok; a hole inside it gives a short count after
 * some bytes, or EFAULT. */
long console_file_write(const void *buf, size_t len)
{
    char bounce[BOUNCE_BYTES];
    size_t done = 0;
    if (!user_range_ok(buf, len))
        return -EFAULT;
    if (len > MAX_RW_BYTES)
        len = MAX_RW_BYTES;
    while (done < len) {
        size_t n = len - done < BOUNCE_BYTES ? len - done : BOUNCE_BYTES;
        if (user_read(bounce, (const char *)buf + done, n) < 0)
            return done ? (long)done : -EFAULT;
        console_write(bounce, n);
        done += n;
    }
    return (long)done;
}

/* Contract in sys.h. */
long sys_write(int fd, const void *buf, size_t len)
{
    struct file *f = fd_file(fd);
    if (!f || f->kind == FILE_CONSOLE_IN || f->kind == FILE_PIPE_READ || f->kind == FILE_DIR)
        return -EBADF;
    if (f->kind == FILE_REGULAR)
        return fs_file_write(f, buf, len, 0, true);
    if (f->kind == FILE_PIPE_WRITE)
        return pipe_write(f, buf, len < MAX_RW_BYTES ? len : MAX_RW_BYTES);
    return console_file_write(buf, len);
}

/* The console's input side (tty.h): its mode is set once at start. */
static struct tty console_tty;

/* Contract in glue.h. */
void console_tty_start(int piped)
{
    tty_init(&console_tty, piped ? TTY_PIPE : TTY_CANON, piped ? NULL : console_write);
}

/* Ctrl-C typed at the terminal: SIGINT, whose default action ends the app
 * (status 130), as a terminal's line discipline does; a handler runs. */
static void console_sigint(void)
{
    glue_signal_app(SIGINT);
}

/* Move the bytes the UART's interrupt has collected into the tty, as far
 * as it has room (the rest wait in the ring, then in the UART). */
static void console_pump(void)
{
    int c;
    while (tty_has_room(&console_tty) && (c = console_getc()) >= 0)
        if (tty_input(&console_tty, (uint8_t)c) == TTY_SIGINT)
            console_sigint();
}

/* Wait (idle) until the console has bytes or an end of file for read;
 * -1 when a signal handler ran first (EINTR). */
static int console_wait_readable(void)
{
    for (;;) {
        uint64_t irq = arch_irq_save();
        console_pump();
        if (tty_readable(&console_tty)) {
            arch_irq_restore(irq);
            return 0;
        }
        if (glue_signals_pending()) {
            arch_irq_restore(irq);
            glue_deliver_signals();
            return -1;
        }
        glue_idle();
    }
}

/* Console input: blocks until some bytes (a line, on a terminal) or the end
 * of file; then returns what is readable, up to len.  The buffer is checked
 * first (inside the app's half; its first and last byte rewritten with their
 * own values), so no input is consumed for a bad buffer. */
long console_file_read(void *buf, size_t len)
{
    char bounce[BOUNCE_BYTES];
    if (!user_range_ok(buf, len))
        return -EFAULT;
    char *ends[2] = { buf, (char *)buf + len - 1 };
    for (int i = 0; len && i < 2; i++) {
        char c;
        if (user_read(&c, ends[i], 1) < 0 || user_write(ends[i], &c, 1) < 0)
            return -EFAULT;
    }
    if (len == 0)
        return 0;
    if (len > MAX_RW_BYTES)
        len = MAX_RW_BYTES;
    if (console_wait_readable() < 0)
        return -EINTR;
    size_t done = 0, n;
    do {
        n = tty_read(&console_tty, bounce, len - done < BOUNCE_BYTES ? len - done : BOUNCE_BYTES);
        if (n && user_write((char *)buf + done, bounce, n) < 0)
            break;      /* a hole inside the buffer: what was copied counts */
        done += n;
        console_pump();
    } while (n && done < len);
    return done || n == 0 ? (long)done : -EFAULT;
}

/* Contract in sys.h. */
long sys_read(int fd, void *buf, size_t len)
{
    struct file *f = fd_file(fd);
    if (!f || f->kind == FILE_CONSOLE_OUT || f->kind == FILE_PIPE_WRITE)
        return -EBADF;
    if (f->kind == FILE_REGULAR)
        return fs_file_read(f, buf, len, 0, true);
    if (f->kind == FILE_DIR)
        return -EISDIR;
    if (f->kind == FILE_PIPE_READ)
        return pipe_read(f, buf, len < MAX_RW_BYTES ? len : MAX_RW_BYTES);
    return console_file_read(buf, len);
}

/* Contract in file.h. */
int console_input_is_pipe(void)
{
    return console_tty.mode == TTY_PIPE;
}

/* Contract in sys.h: Linux's brk -- the new break, or the unchanged one
 * when addr cannot be the break (below the heap's start, past the app's
 * half, into a mapping, or beyond the commit policy: docs/memory.md). */
long sys_brk(unsigned long addr)
{
    if (addr != 0 && uvm_set_brk((uint64)addr) == 0)
        return (long)addr;
    return (long)uvm_brk();
}

/* The console's input reads as a FIFO when the runner forwards a pipe or
 * file, else as a terminal; a pipe as a FIFO; the file system's files as
 * themselves.  The struct is newlib's. */
long sys_fstat(int fd, struct stat *st)
{
    struct file *f = fd_file(fd);
    if (!f)
        return -EBADF;
    int fifo = f->kind != FILE_CONSOLE_OUT && (f->kind != FILE_CONSOLE_IN || console_input_is_pipe());
    struct stat s = { .st_mode = fifo ? S_IFIFO : S_IFCHR, .st_blksize = 0 };
    if (f->kind == FILE_PIPE_READ || f->kind == FILE_PIPE_WRITE)
        s.st_blksize = PAGE_SIZE;
    if (f->kind == FILE_REGULAR || f->kind == FILE_DIR)
        fs_stat_fill(f->inode, &s);
    return user_write(st, &s, sizeof s) < 0 ? -EFAULT : 0;
}

/* Contract in sys.h: the console is a terminal, unless its input is
 * forwarded: 1, or -ENOTTY, -EBADF. */
long sys_capsule_isatty(int fd)
{
    struct file *f = fd_file(fd);
    if (!f)
        return -EBADF;
    if (f->kind == FILE_CONSOLE_OUT || (f->kind == FILE_CONSOLE_IN && !console_input_is_pipe()))
        return 1;
    return -ENOTTY;
}

/* Contract in sys.h: the console and pipes cannot seek; the file system's
 * files and directories can (fs_calls.c). */
long sys_lseek(int fd, off_t off, int whence)
{
    struct file *f = fd_file(fd);
    if (!f)
        return -EBADF;
    if (f->kind == FILE_REGULAR || f->kind == FILE_DIR)
        return fs_file_lseek(f, off, whence);
    return -ESPIPE;
}
