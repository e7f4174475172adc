/* Host tests of the console's input side: the receive ring the UART
 * interrupt fills (libarch/ring.h) and the line discipline and pipe
 * decoder read(0) drains (libc_glue/tty.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../../libarch/ring.h"
#include "../../libc_glue/tty.h"

static char echoed[8192];
static size_t echoed_len;

static void capture_echo(const char *s, size_t n)
{
    memcpy(echoed + echoed_len, s, n);
    echoed_len += n;
    echoed[echoed_len] = '\0';
}

static void feed(struct tty *t, const char *bytes, size_t n)
{
    for (size_t i = 0; i < n; i++)
        tty_input(t, (uint8_t)bytes[i]);
}

#define FEED(t, lit) feed((t), (lit), sizeof(lit) - 1)

static struct tty *canon(void)
{
    static struct tty t;
    echoed_len = 0;
    echoed[0] = '\0';
    tty_init(&t, TTY_CANON, capture_echo);
    return &t;
}

static struct tty *piped(void)
{
    static struct tty t;
    tty_init(&t, TTY_PIPE, NULL);
    FEED(&t, "\0\0\xff\x01");
    return &t;
}

static void ring_keeps_order_and_refuses_when_full(void **state)
{
    (void)state;
    static struct ring r;
    memset(&r, 0, sizeof r);
    assert_int_equal(ring_get(&r), -1);
    for (unsigned i = 0; i < RING_BYTES; i++)
        assert_int_equal(ring_put(&r, (uint8_t)i), 0);
    assert_true(ring_full(&r));
    assert_int_equal(ring_put(&r, 1), -1);          /* full: refused, nothing overwritten */
    for (unsigned i = 0; i < RING_BYTES; i++)
        assert_int_equal(ring_get(&r), (uint8_t)i);
    assert_int_equal(ring_get(&r), -1);
}

static void ring_indices_wrap_around_2_to_the_32(void **state)
{
    (void)state;
    static struct ring r;
    memset(&r, 0, sizeof r);
    r.head = r.tail = UINT32_MAX - 2;
    for (int i = 0; i < 10; i++)
        assert_int_equal(ring_put(&r, (uint8_t)(100 + i)), 0);
    assert_int_equal(ring_used(&r), 10);
    for (int i = 0; i < 10; i++)
        assert_int_equal(ring_get(&r), 100 + i);
}

static void canonical_line_is_readable_only_at_enter(void **state)
{
    (void)state;
    struct tty *t = canon();
    char buf[64];
    FEED(t, "hello");
    assert_false(tty_readable(t));
    FEED(t, "\r");                                  /* Enter sends CR: read as NL */
    assert_true(tty_readable(t));
    assert_int_equal(tty_read(t, buf, sizeof buf), 6);
    assert_memory_equal(buf, "hello\n", 6);
    assert_string_equal(echoed, "hello\n");
}

static void backspace_and_delete_erase_one_character(void **state)
{
    (void)state;
    struct tty *t = canon();
    char buf[64];
    FEED(t, "abx\x7f" "c\x08" "d\n");
    assert_int_equal(tty_read(t, buf, sizeof buf), 4);
    assert_memory_equal(buf, "abd\n", 4);
    assert_string_equal(echoed, "abx\b \bc\b \bd\n");
}

static void ctrl_u_erases_the_line_but_not_earlier_lines(void **state)
{
    (void)state;
    struct tty *t = canon();
    char buf[64];
    FEED(t, "one\ntwo\x15" "three\n");
    assert_int_equal(tty_read(t, buf, sizeof buf), 10);
    assert_memory_equal(buf, "one\nthree\n", 10);
    FEED(t, "\x7f\x7f");                            /* nothing left to erase */
    assert_false(tty_readable(t));
}

static void ctrl_d_on_an_empty_line_is_end_of_file_once(void **state)
{
    (void)state;
    struct tty *t = canon();
    char buf[64];
    FEED(t, "\x04");
    assert_true(tty_readable(t));
    assert_int_equal(tty_read(t, buf, sizeof buf), 0);
    assert_false(tty_readable(t));                  /* the next read waits again */
    FEED(t, "ab\x04");                              /* Ctrl-D after text: the text, no newline */
    assert_int_equal(tty_read(t, buf, sizeof buf), 2);
    assert_memory_equal(buf, "ab", 2);
}

static void ctrl_c_is_reported_and_drops_the_line(void **state)
{
    (void)state;
    struct tty *t = canon();
    FEED(t, "abc");
    assert_int_equal(tty_input(t, 0x03), TTY_SIGINT);
    assert_false(tty_readable(t));
    FEED(t, "\n");
    char buf[8];
    assert_int_equal(tty_read(t, buf, sizeof buf), 1);
}

static void a_short_read_leaves_the_rest_of_the_line(void **state)
{
    (void)state;
    struct tty *t = canon();
    char buf[64];
    FEED(t, "abcdef\n");
    assert_int_equal(tty_read(t, buf, 4), 4);
    assert_int_equal(tty_read(t, buf, sizeof buf), 3);
    assert_memory_equal(buf, "ef\n", 3);
}

static void a_full_line_still_takes_its_newline(void **state)
{
    (void)state;
    struct tty *t = canon();
    static char buf[TTY_BUF_BYTES + 16];
    for (int i = 0; i < TTY_BUF_BYTES + 10; i++)
        tty_input(t, 'x');
    tty_input(t, '\n');
    size_t n = tty_read(t, buf, sizeof buf);
    assert_int_equal(n, TTY_BUF_BYTES);
    assert_int_equal(buf[n - 1], '\n');
}

static void pipe_mode_passes_every_byte_and_ends_at_the_mark(void **state)
{
    (void)state;
    struct tty *t = piped();
    char buf[64];
    FEED(t, "a\r\x04\x7f\x00\xff\xff" "b");         /* no editing; 0xff arrives doubled */
    assert_int_equal(tty_read(t, buf, sizeof buf), 7);
    assert_memory_equal(buf, "a\r\x04\x7f\x00\xff" "b", 7);
    assert_false(tty_readable(t));
    FEED(t, "\xff\x00");
    assert_true(tty_readable(t));
    assert_int_equal(tty_read(t, buf, sizeof buf), 0);
    FEED(t, "late");                                /* after the end: ignored */
    assert_int_equal(tty_read(t, buf, sizeof buf), 0);
    assert_true(tty_readable(t));
}

static void pipe_mode_drops_bytes_before_the_start_mark(void **state)
{
    (void)state;
    struct tty t;
    char buf[8];
    tty_init(&t, TTY_PIPE, NULL);
    FEED(&t, "\0\0\xff\x01" "ok");
    assert_int_equal(tty_read(&t, buf, sizeof buf), 2);
    assert_memory_equal(buf, "ok", 2);
    tty_init(&t, TTY_PIPE, NULL);
    FEED(&t, "\0\xff\x01" "x");                     /* the firmware ate a padding byte */
    assert_int_equal(tty_read(&t, buf, sizeof buf), 1);
}

static void pipe_mode_reports_full_so_the_caller_stops_feeding(void **state)
{
    (void)state;
    struct tty *t = piped();
    for (int i = 0; i < TTY_BUF_BYTES; i++)
        tty_input(t, 'z');
    assert_false(tty_has_room(t));
    static char buf[TTY_BUF_BYTES];
    assert_int_equal(tty_read(t, buf, 100), 100);
    assert_true(tty_has_room(t));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ring_keeps_order_and_refuses_when_full),
        cmocka_unit_test(ring_indices_wrap_around_2_to_the_32),
        cmocka_unit_test(canonical_line_is_readable_only_at_enter),
        cmocka_unit_test(backspace_and_delete_erase_one_character),
        cmocka_unit_test(ctrl_u_erases_the_line_but_not_earlier_lines),
        cmocka_unit_test(ctrl_d_on_an_empty_line_is_end_of_file_once),
        cmocka_unit_test(ctrl_c_is_reported_and_drops_the_line),
        cmocka_unit_test(a_short_read_leaves_the_rest_of_the_line),
        cmocka_unit_test(a_full_line_still_takes_its_newline),
        cmocka_unit_test(pipe_mode_passes_every_byte_and_ends_at_the_mark),
        cmocka_unit_test(pipe_mode_drops_bytes_before_the_start_mark),
        cmocka_unit_test(pipe_mode_reports_full_so_the_caller_stops_feeding),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
