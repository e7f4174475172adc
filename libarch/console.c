/* The libOS console: an ns16550a UART found in the device tree (the SBI
 * console until then), and kprintf. */
#include <stdbool.h>
#include <stdint.h>

#include <arch/bootinfo.h>
#include <arch/console.h>
#include <arch/sbi.h>

#include "arch_internal.h"
#include "ring.h"

#define UART_RBR    0           /* receive buffer register */
#define UART_THR    0           /* transmit holding register */
#define UART_IER    1           /* interrupt enable register */
#define UART_IER_RX 0x01        /* received data available */
#define UART_LSR    5           /* line status register */
#define UART_LSR_DR 0x01        /* data ready */
#define UART_LSR_THRE 0x20      /* transmitter holding register empty */

/* Set once by console_init; single hart, written before anything else runs. */
static volatile uint8_t *uart_base;
static unsigned uart_shift;

/* Use the UART the boot information names (if any) from now on. */
void console_init(void)
{
    const struct boot_info *bi = arch_boot_info();
    if (bi->uart_pa) {
        uart_shift = bi->uart_reg_shift;
        uart_base = (volatile uint8_t *)arch_direct_map(bi->uart_pa);
    }
}

/* Bytes received and not yet read.  Filled by console_rx_interrupt (the
 * producer, interrupts off), emptied by console_getc (the consumer).  When it
 * is full the UART's receive interrupt is turned off, so further bytes wait
 * in the UART (and QEMU holds back its input) instead of being lost; the
 * consumer turns it back on. */
static struct ring rx;
static volatile int rx_irq_on;      /* whether input is interrupt-driven */
static volatile int rx_paused;      /* the ring filled up: receive interrupt off */

static inline volatile uint8_t *uart_reg(unsigned reg)
{
    return &uart_base[reg << uart_shift];
}

/* Contract in arch/console.h. */
void console_input_start(void)
{
    const struct boot_info *bi = arch_boot_info();
    if (!uart_base || !bi->plic_pa || !bi->uart_irq)
        return;
    rx_irq_on = 1;
    plic_enable(bi->uart_irq);
    *uart_reg(UART_IER) = UART_IER_RX;
}

/* Contract in arch_internal.h. */
void console_rx_interrupt(void)
{
    while (*uart_reg(UART_LSR) & UART_LSR_DR) {
        if (ring_full(&rx)) {
            rx_paused = 1;
            *uart_reg(UART_IER) = 0;
            return;
        }
        ring_put(&rx, *uart_reg(UART_RBR));
    }
}

/* Contract in arch/console.h. */
int console_getc(void)
{
    int c = ring_get(&rx);
    if (c < 0 && !rx_irq_on && uart_base && (*uart_reg(UART_LSR) & UART_LSR_DR))
        return *uart_reg(UART_RBR);         /* no interrupts: poll */
    if (rx_paused && !ring_full(&rx)) {
        rx_paused = 0;
        *uart_reg(UART_IER) = UART_IER_RX;
    }
    return c;
}

/* Contract in arch/console.h. */
int console_input_irq_driven(void)
{
    return rx_irq_on;
}

static void putc_raw(char ch)
{
    if (!uart_base) {
        sbi_console_putchar(ch);
        return;
    }
    while (!(uart_base[UART_LSR << uart_shift] & UART_LSR_THRE))
        ;
    uart_base[UART_THR << uart_shift] = (uint8_t)ch;
}

void console_write(const char *buf, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (buf[i] == '\n')
            putc_raw('\r');
        putc_raw(buf[i]);
    }
}

/* ---- kprintf ---- */

struct fmt_spec {
    int  width;
    bool left, zero;
    int  longs;         /* 0: int, 1: long, 2: long long, 3: size_t */
};

static void emit_padded(const char *s, int len, const struct fmt_spec *f, int *count)
{
    int pad = f->width > len ? f->width - len : 0;
    char fill = f->zero && !f->left ? '0' : ' ';
    for (int i = 0; !f->left && i < pad; i++)
        console_write(&fill, 1);
    console_write(s, (size_t)len);
    for (int i = 0; f->left && i < pad; i++)
        console_write(" ", 1);
    *count += len + pad;
}

static void emit_number(uint64_t v, unsigned base, bool negative, const struct fmt_spec *f, int *count)
{
    char buf[24];
    int i = sizeof buf;
    do {
        buf[--i] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v);
    if (negative)
        buf[--i] = '-';
    emit_padded(buf + i, (int)sizeof buf - i, f, count);
}

static uint64_t take_unsigned(va_list *ap, int longs)
{
    if (longs == 0)
        return va_arg(*ap, unsigned int);
    return va_arg(*ap, uint64_t);
}

static const char *parse_spec(const char *p, struct fmt_spec *f)
{
    *f = (struct fmt_spec){ 0 };
    for (; *p == '-' || *p == '0'; p++) {
        if (*p == '-')
            f->left = true;
        else
            f->zero = true;
    }
    for (; *p >= '0' && *p <= '9'; p++)
        f->width = f->width * 10 + (*p - '0');
    for (; *p == 'l' || *p == 'z'; p++)
        f->longs++;
    return p;
}

static void format_one(char conv, struct fmt_spec *f, va_list *ap, int *count)
{
    switch (conv) {
    case 'd': case 'i': {
        int64_t v = f->longs ? va_arg(*ap, int64_t) : va_arg(*ap, int);
        emit_number(v < 0 ? -(uint64_t)v : (uint64_t)v, 10, v < 0, f, count);
        break;
    }
    case 'u': emit_number(take_unsigned(ap, f->longs), 10, false, f, count); break;
    case 'x': emit_number(take_unsigned(ap, f->longs), 16, false, f, count); break;
    case 'p':
        console_write("0x", 2);
        *count += 2;
        f->zero = true;
        f->width = 16;
        emit_number((uint64_t)va_arg(*ap, void *), 16, false, f, count);
        break;
    case 's': {
        const char *s = va_arg(*ap, const char *);
        int len = 0;
        if (!s)
            s = "(null)";
        while (s[len])
            len++;
        emit_padded(s, len, f, count);
        break;
    }
    case 'c': {
        char c = (char)va_arg(*ap, int);
        emit_padded(&c, 1, f, count);
        break;
    }
    default: {
        char c = conv;
        emit_padded(&c, 1, f, count);
    }
    }
}

int kvprintf(const char *fmt, va_list ap)
{
    int count = 0;
    va_list args;
    va_copy(args, ap);
    while (*fmt) {
        const char *run = fmt;
        while (*fmt && *fmt != '%')
            fmt++;
        console_write(run, (size_t)(fmt - run));
        count += (int)(fmt - run);
        if (!*fmt)
            break;
        struct fmt_spec f;
        fmt = parse_spec(fmt + 1, &f);
        if (!*fmt)
            break;
        format_one(*fmt++, &f, &args, &count);
    }
    va_end(args);
    return count;
}

int kprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = kvprintf(fmt, ap);
    va_end(ap);
    return n;
}
