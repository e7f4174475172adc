/* Messages from the app side: app_printf writes to the console's
 * descriptor (2) at once, without stdio's buffers; app_panic asks the libOS
 * for a report and the end of the process (status 134, as abort's).  In
 * priv=user, umalloc (compiled into the app side) reports through these in
 * place of the libOS's kprintf and panic. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "syscall.h"

#define MESSAGE_BYTES   256
#define STATUS_SIGABRT  134
#define STDERR          2

int app_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void app_panic(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

/* printf's formats into a bounded message (longer ones are cut). */
int app_printf(const char *fmt, ...)
{
    char text[MESSAGE_BYTES];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    if (n < 0)
        return n;
    size_t len = strlen(text);
    SYSCALL3(write, STDERR, text, len);
    return (int)len;
}

/* "capsule: panic: <message>", a backtrace from here, status 134. */
void app_panic(const char *fmt, ...)
{
    char text[MESSAGE_BYTES] = "panic: ";
    size_t head = strlen(text);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text + head, sizeof text - head, fmt, ap);
    va_end(ap);
    SYSCALL3(capsule_report, text, strlen(text), STATUS_SIGABRT);
    for (;;)
        SYSCALL1(exit_group, STATUS_SIGABRT);
}
