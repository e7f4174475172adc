/* Not public: helpers shared by libc_glue's files. */
#ifndef LIBC_GLUE_GLUE_H
#define LIBC_GLUE_GLUE_H

#include <stdint.h>

/* The newlib errno for a libmm error number (MM_E*, positive). */
int errno_from_mm(int mm_error);

/* init.c: the end of the run with status: the app's address space freed
 * and checked for leaks (debug builds), then arch_exit.  Never returns. */
void capsule_exit(int status) __attribute__((noreturn));

/* init.c: the run is under QEMU -icount (boot option capsule.icount):
 * capsule_icount() says so and the end of the run prints the instruction
 * count. */
void capsule_set_icount(void);
/* init.c: what capsule_icount() and capsule_mm_init_instret() answer
 * (capsule/measure.h, capsule/boot.h: the app side asks by system call). */
int      capsule_icount_on(void);
uint64_t capsule_mm_init_instret_value(void);

/* signal.c: carry out sig's default action (1 <= sig < NSIG, newlib's
 * numbering): a report and the exit status 128 + Linux's number for a signal
 * that ends the app (never returns then); nothing for one that is ignored. */
void signal_default_action(int sig);
/* signal.c: sig (whose default action ends a process) ends the running
 * process without a report, as a signal from elsewhere does on Linux (the
 * first process keeps signal_default_action's line).  Never returns. */
void signal_quiet_end(int sig) __attribute__((noreturn));
/* signal.c: Linux's number for newlib's signal sig (shell statuses are 128
 * + it), and newlib's number for Linux's (0 when newlib has none). */
int  signal_linux_number(int sig);
int  signal_from_linux(int linux_number);
/* signal.c: whether sig's default action ends a process. */
int  signal_default_ends(int sig);
/* signal.c: the app's disposition for sig (newlib's signal() records it in
 * the app's memory; SIG_DFL when it cannot be read); act on sig for the
 * app: ignore, the default action, or its handler (glue_raise).  From the
 * running process's libOS calls or the timer's interrupt. */
#include <signal.h>
_sig_func_ptr glue_disposition(int sig);
void glue_signal_app(int sig);
/* signal.c: run the app's handler for sig in the app's mode (at once, or
 * as the running system call returns: see signal.c). */
void glue_raise(int sig);
/* syscalls.c: stdin's mode: a pipe or file the runner forwards (escaped,
 * tty.h) when piped, else a terminal. */
void console_tty_start(int piped);
/* time.c: read the RTC once (CLOCK_REALTIME's offset); called at boot, before the files. */
void time_init(void);
/* time.c: wait with the hart idle in wfi until *done (set by an interrupt)
 * or a signal for a handler is pending: 0 when done, -1 for a signal.  Time
 * spent here is idle, not CPU time.  Called with interrupts on. */
int  glue_wait(volatile int *done);
/* time.c: wait for an interrupt where a loop polls (console input): let
 * another runnable process run if there is one, else one wfi, counted as
 * idle time; called with interrupts off (arch_irq_save), returns after the
 * interrupt with them on. */
void glue_idle(void);
/* time.c: the scheduler's idle: one wfi counted as idle time, with
 * interrupts off on entry and on return (the interrupt is taken between). */
void glue_idle_off(void);
/* time.c: whether a signal for an app handler is pending; run the handlers
 * of the pending ones (in the app's context). */
int  glue_signals_pending(void);
void glue_deliver_signals(void);

/* process.c: fill the process hooks of h (terminate, pid; in priv=user
 * syscall and to_user) for libarch. */
struct arch_hooks;
void process_hooks(struct arch_hooks *h);
/* syscall.c: the syscall hook (arch/trap.h): the body for a7's number from
 * the one table, a0..a5 its arguments; a0 its result, a1 the signals whose
 * handlers the app side raises (proc.h's raise_mask). */
struct trapframe;
void syscall_dispatch(struct trapframe *tf);
/* syscall.c: the syscall_fast hook (arch/trap.h): the same with the
 * arguments and number in registers; clone, kill and capsule_report go back to the full path (they copy or report the frame). */
struct arch_syscall_ret;
struct arch_syscall_ret syscall_fast(long a0, long a1, long a2, long a3, long a4, long a5, long a6,
                                     long nr);

#endif
