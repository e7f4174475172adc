/* The console's line discipline and pipe decoder (tty.h). */
#include <string.h>

#include "tty.h"

void tty_init(struct tty *t, enum tty_mode mode, void (*echo)(const char *, size_t))
{
    memset(t, 0, sizeof *t);
    t->mode = mode;
    t->echo = echo;
}

int tty_has_room(const struct tty *t)
{
    return t->len < TTY_BUF_BYTES;
}

static void echo(struct tty *t, const char *s, size_t n)
{
    if (t->echo)
        t->echo(s, n);
}

/* The line being edited becomes readable. */
static void commit(struct tty *t)
{
    t->ready = t->len;
}

static void erase_one(struct tty *t)
{
    if (t->len > t->ready) {
        t->len--;
        echo(t, "\b \b", 3);
    }
}

static int canon_input(struct tty *t, uint8_t c)
{
    switch (c) {
    case TTY_CTRL_C:
        t->len = t->ready;
        echo(t, "^C\n", 3);
        return TTY_SIGINT;
    case TTY_CTRL_D:
        if (t->len == t->ready && t->ready == 0)
            t->eofs++;
        commit(t);
        return TTY_OK;
    case TTY_BS: case TTY_DEL:
        erase_one(t);
        return TTY_OK;
    case TTY_CTRL_U:
        while (t->len > t->ready)
            erase_one(t);
        return TTY_OK;
    case '\r':
        c = '\n';
        break;
    }
    /* Keep one byte for the newline that ends a full line. */
    if (t->len >= TTY_BUF_BYTES - (c == '\n' ? 0 : 1))
        return TTY_OK;
    t->buf[t->len++] = c;
    echo(t, (const char *)&c, 1);
    if (c == '\n')
        commit(t);
    return TTY_OK;
}

static int pipe_input(struct tty *t, uint8_t c)
{
    if (t->ended)
        return TTY_OK;
    if (!t->escaped && c == TTY_ESC) {
        t->escaped = 1;
        return TTY_OK;
    }
    if (!t->started) {
        t->started = t->escaped && c == TTY_ESC_START;
        t->escaped = 0;
        return TTY_OK;
    }
    if (t->escaped && c == TTY_ESC_EOF) {
        t->escaped = 0;
        t->ended = 1;
        return TTY_OK;
    }
    t->escaped = 0;
    if (t->len < TTY_BUF_BYTES)
        t->buf[t->len++] = c;
    t->ready = t->len;
    return TTY_OK;
}

int tty_input(struct tty *t, uint8_t c)
{
    return t->mode == TTY_PIPE ? pipe_input(t, c) : canon_input(t, c);
}

int tty_readable(const struct tty *t)
{
    return t->ready > 0 || t->eofs > 0 || (t->mode == TTY_PIPE && t->ended);
}

size_t tty_read(struct tty *t, void *dst, size_t n)
{
    if (t->ready == 0) {
        if (t->eofs > 0)
            t->eofs--;
        return 0;
    }
    if (n > t->ready)
        n = t->ready;
    memcpy(dst, t->buf, n);
    memmove(t->buf, t->buf + n, t->len - n);
    t->ready -= n;
    t->len -= n;
    return n;
}
