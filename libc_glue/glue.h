/* Not public: helpers shared by libc_glue's files. */
#ifndef LIBC_GLUE_GLUE_H
#define LIBC_GLUE_GLUE_H

#include <stdint.h>

/* The newlib errno for a libmm error number (MM_E*, positive). */
int errno_from_mm(int mm_error);

/* start.c: the app's start on its main stack (argv from bootargs,
 * constructors, main, exit); arguments unused.  Never returns. */
void capsule_start(uint64_t unused0, uint64_t unused1) __attribute__((noreturn));

/* signal.c: carry out sig's default action (1 <= sig < NSIG, newlib's
 * numbering): a report and the exit status 128 + Linux's number for a signal
 * that ends the app (never returns then); nothing for one that is ignored. */
void signal_default_action(int sig);

#endif
