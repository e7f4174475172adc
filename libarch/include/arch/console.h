/* The libOS console: formatted output to the UART (or the SBI console) and
 * panic.  Used by every libOS part; the app uses newlib's stdio instead. */
#ifndef ARCH_CONSOLE_H
#define ARCH_CONSOLE_H

#include <stdarg.h>
#include <stddef.h>

/* printf subset: %d %i %u %x %lx %lu %ld %p %s %c %%, with l/ll/z, width, '0' and '-'. */
int  kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int  kvprintf(const char *fmt, va_list ap);
/* Write len bytes to the console. */
void console_write(const char *buf, size_t len);
/* Console input.  console_input_start: from now on bytes the UART receives
 * raise an interrupt (through the PLIC) and wait in a ring buffer, so none is
 * lost while the app computes (called once by the boot sequence).
 * console_getc: the oldest received byte, or -1 when none is waiting (never
 * blocks; wait with arch_wait_for_interrupt, arch/timer.h).  Without a PLIC
 * or UART interrupt it polls the UART. */
void console_input_start(void);
int  console_getc(void);
int  console_input_irq_driven(void);
/* Report a libOS invariant failure with a backtrace and stop (exit status 255). */
void panic(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

#endif
