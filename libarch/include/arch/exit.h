/* Leaving the guest: the app's exit status becomes QEMU's exit status. */
#ifndef ARCH_EXIT_H
#define ARCH_EXIT_H

/* Exit statuses for deaths the libOS reports (128 + the POSIX signal number). */
#define EXIT_STATUS_SIGILL      132
#define EXIT_STATUS_SIGTRAP     133
#define EXIT_STATUS_SIGABRT     134
#define EXIT_STATUS_SIGBUS      135
#define EXIT_STATUS_SIGSEGV     139
#define EXIT_STATUS_SIGKILL     137     /* out of memory in a fault, as Linux's OOM kill */

/* Stop the machine with status (0..255; other values are truncated to 8 bits
 * as POSIX exit does).  Uses the sifive,test device from the device tree;
 * without one, SBI system reset (which QEMU maps to status 0 or 1). */
void arch_exit(int status) __attribute__((noreturn));

/* End the app with a report: "capsule: <message>", with backtrace a
 * backtrace from the caller, then "capsule: exit status N" and arch_exit. */
void arch_fatal(int status, int backtrace, const char *fmt, ...)
    __attribute__((noreturn, format(printf, 3, 4)));
/* The same for a report the app asked for by system call (priv=user): the
 * backtrace starts at the app's frame tf (its pc, ra and fp). */
struct trapframe;
void arch_fatal_frame(int status, const struct trapframe *tf, const char *fmt, ...)
    __attribute__((noreturn, format(printf, 3, 4)));

#endif
