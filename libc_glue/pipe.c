/* Pipes with Linux's semantics (pipe(7)): a ring of PIPE_BYTES; read blocks
 * while the pipe is empty and a writer remains, then returns what is there
 * (0: every writer closed); write blocks while there is no room, writes of
 * up to PIPE_ATOMIC_BYTES go in whole (never interleaved with another
 * writer's), larger ones in pieces; with no reader left, write raises
 * SIGPIPE (whose default action ends the writer) and fails with EPIPE.
 * Bytes move straight between the ring and the app's buffer through the
 * checked copies (user.h): a read into a page shared copy-on-write after
 * fork takes the write fault there, which gives the reader its own copy. */
#include <errno.h>
#include <signal.h>

#include <arch/timer.h>
#include <mm/kalloc.h>

#include "file.h"
#include "glue.h"
#include "proc.h"
#include "user.h"

struct pipe {
    char           *ring;           /* PIPE_BYTES */
    uint64_t        read_total;     /* bytes read since the pipe was made */
    uint64_t        write_total;    /* bytes written: the difference is the fill */
    int             sleepers;       /* processes asleep on the pipe: 0 spares the wake-up */
    struct file     ends[2];        /* the read end, the write end */
};

#define READ_END        0
#define WRITE_END       1

/* Contract in file.h. */
int pipe_open(struct file **read_end, struct file **write_end)
{
    struct pipe *p = kzalloc(sizeof *p);
    char *ring = p ? kalloc(PIPE_BYTES) : NULL;
    if (!ring) {
        kfree(p);
        return -ENOMEM;
    }
    p->ring = ring;
    p->ends[READ_END] = (struct file){ .kind = FILE_PIPE_READ, .refs = 1, .pipe = p };
    p->ends[WRITE_END] = (struct file){ .kind = FILE_PIPE_WRITE, .refs = 1, .pipe = p };
    *read_end = &p->ends[READ_END];
    *write_end = &p->ends[WRITE_END];
    return 0;
}

/* Contract in file.h.  A reader or writer waiting on the other end wakes
 * to see the change. */
void pipe_close(struct file *f)
{
    struct pipe *p = f->pipe;
    uint64_t irq = arch_irq_save();
    if (--f->refs == 0)
        sched_wakeup(p);
    arch_irq_restore(irq);
    if (p->ends[READ_END].refs == 0 && p->ends[WRITE_END].refs == 0) {
        kfree(p->ring);
        kfree(p);
    }
}

static size_t fill(const struct pipe *p)
{
    return (size_t)(p->write_total - p->read_total);
}

/* Sleep until the other side changes the pipe (or a spurious wake-up). */
static void pipe_sleep(struct pipe *p)
{
    uint64_t irq = arch_irq_save();
    p->sleepers++;
    sched_sleep(p);
    p->sleepers--;
    arch_irq_restore(irq);
}

/* Copy up to len bytes out of the ring to the app's ubuf: how many (the
 * first piece that faults ends the copy), or -EFAULT when none moved. */
static long ring_out(struct pipe *p, char *ubuf, size_t len)
{
    size_t done = 0;
    while (done < len) {
        size_t at = (size_t)(p->read_total % PIPE_BYTES);
        size_t n = PIPE_BYTES - at < len - done ? PIPE_BYTES - at : len - done;
        if (user_store_small(ubuf + done, p->ring + at, n) < 0)
            break;
        p->read_total += n;
        done += n;
    }
    return done ? (long)done : -EFAULT;
}

/* Copy len bytes (at most the free room) from the app's ubuf into the ring,
 * as ring_out. */
static long ring_in(struct pipe *p, const char *ubuf, size_t len)
{
    size_t done = 0;
    while (done < len) {
        size_t at = (size_t)(p->write_total % PIPE_BYTES);
        size_t n = PIPE_BYTES - at < len - done ? PIPE_BYTES - at : len - done;
        if (user_load_small(p->ring + at, ubuf + done, n) < 0)
            break;
        p->write_total += n;
        done += n;
    }
    return done ? (long)done : -EFAULT;
}

/* Contract in file.h. */
long pipe_read(struct file *f, void *ubuf, size_t len)
{
    struct pipe *p = f->pipe;
    if (len == 0)
        return 0;
    if (!user_range_ok(ubuf, len))
        return -EFAULT;
    while (fill(p) == 0 && p->ends[WRITE_END].refs > 0)
        pipe_sleep(p);
    long n = ring_out(p, ubuf, len < fill(p) ? len : fill(p));
    if (fill(p) == 0 && n == -EFAULT)
        n = 0;      /* nothing to read: end of file, whatever the buffer */
    if (n > 0 && p->sleepers)
        sched_wakeup_irqsafe(p);
    return n;
}

/* The write end found no reader: SIGPIPE's disposition decides (default:
 * the writer ends; a handler runs; ignored: nothing), then EPIPE. */
static long broken_pipe(void)
{
    _sig_func_ptr h = glue_disposition(SIGPIPE);
    if (h == SIG_DFL)
        signal_quiet_end(SIGPIPE);
    else if (h != SIG_IGN)
        glue_raise(SIGPIPE);
    return -EPIPE;
}

/* Contract in file.h. */
long pipe_write(struct file *f, const void *ubuf, size_t len)
{
    struct pipe *p = f->pipe;
    const char *src = ubuf;
    size_t done = 0;
    if (len == 0)
        return 0;
    if (!user_range_ok(ubuf, len))
        return -EFAULT;
    while (done < len) {
        size_t room = PIPE_BYTES - fill(p), want = len <= PIPE_ATOMIC_BYTES ? len : 1;
        if (p->ends[READ_END].refs == 0) {
            long r = broken_pipe();
            return done ? (long)done : r;
        }
        if (room < want) {
            pipe_sleep(p);
            continue;
        }
        long n = ring_in(p, src + done, len - done < room ? len - done : room);
        if (n < 0)
            return done ? (long)done : n;
        done += (size_t)n;
        if (p->sleepers)
            sched_wakeup_irqsafe(p);
    }
    return (long)done;
}
