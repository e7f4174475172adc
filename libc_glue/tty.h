/* Not public: the console's input side, between the UART's raw bytes and
 * read(0).  Two modes:
 *  - TTY_CANON, a terminal (typed input): canonical line editing as a
 *    terminal in canonical mode does it: a line becomes readable at Enter
 *    (CR is taken as NL) or Ctrl-D; Backspace/DEL erases a character, Ctrl-U
 *    the line, Ctrl-D on an empty line is end of file (read returns 0 once),
 *    Ctrl-C is SIGINT; input is echoed.
 *  - TTY_PIPE, input the runner forwards from a pipe or file: bytes arrive
 *    escaped (TTY_ESC TTY_ESC is the byte 0xff; TTY_ESC TTY_ESC_EOF is the
 *    end of the input), so any byte passes and the end is real.  The input
 *    starts after TTY_ESC TTY_ESC_START; bytes before it are dropped (the
 *    firmware's UART set-up swallows a byte that arrives early, so the
 *    runner sends a few padding bytes first).
 * Portable C (the host tests compile it); no locking: one consumer, the
 * caller feeds bytes with interrupts off. */
#ifndef LIBC_GLUE_TTY_H
#define LIBC_GLUE_TTY_H

#include <stddef.h>
#include <stdint.h>

#define TTY_BUF_BYTES   4096        /* readable bytes plus the line being edited */
#define TTY_ESC         0xff
#define TTY_ESC_EOF     0x00
#define TTY_ESC_START   0x01

#define TTY_CTRL_C      0x03
#define TTY_CTRL_D      0x04
#define TTY_BS          0x08
#define TTY_CTRL_U      0x15
#define TTY_DEL         0x7f

enum tty_mode { TTY_CANON, TTY_PIPE };

struct tty {
    enum tty_mode mode;
    uint8_t  buf[TTY_BUF_BYTES];
    size_t   ready;         /* buf[0, ready): readable */
    size_t   len;           /* buf[ready, len): the line being edited (TTY_CANON) */
    unsigned eofs;          /* end-of-file marks to report once ready is empty */
    int      started;       /* TTY_PIPE: the start mark arrived */
    int      ended;         /* TTY_PIPE: the end arrived (sticky) */
    int      escaped;       /* TTY_PIPE: the previous byte was TTY_ESC */
    /* Echo for TTY_CANON (NULL: none). */
    void   (*echo)(const char *bytes, size_t len);
};

/* What tty_input saw that the caller acts on. */
#define TTY_OK          0
#define TTY_SIGINT      1

void   tty_init(struct tty *t, enum tty_mode mode, void (*echo)(const char *, size_t));
/* Whether tty_input can take another byte without dropping it. */
int    tty_has_room(const struct tty *t);
/* Feed one raw byte from the UART.  Returns TTY_OK or TTY_SIGINT. */
int    tty_input(struct tty *t, uint8_t c);
/* Whether a read would return now: bytes are readable or an end of file is due. */
int    tty_readable(const struct tty *t);
/* Move up to n readable bytes to dst; returns how many (0 with an end of
 * file due consumes that mark: read's 0). */
size_t tty_read(struct tty *t, void *dst, size_t n);

#endif
