/* Not public: how the app side (the newlib-facing wrappers in this
 * directory, which run in the app's mode) enters the libOS.
 * priv=supervisor: SYSCALLn(name, ...) is a direct call of the body
 * sys_name (today's cost: a call).  priv=user: an ecall with Linux's number
 * for name in a7 and the arguments in a0..a5 (libc_glue/syscall.c's table);
 * a1 comes back with the signals whose handlers are due, which are raised
 * here, in U-mode, before the wrapper returns.  Either way the result is
 * the body's: a value, or a negative errno that wrap_result turns into
 * errno and -1. */
#ifndef LIBC_GLUE_WRAP_SYSCALL_H
#define LIBC_GLUE_WRAP_SYSCALL_H

#include <stdint.h>

#include "../sys.h"
#include "../sysnum.h"

/* Set errno to err where every caller sees it (the app's direct calls and
 * newlib's _r wrappers, which copy the global errno); returns -1. */
int wrap_fail(int err);

/* r, or errno from -r and -1. */
static inline long wrap_result(long r)
{
    return __builtin_expect(r < 0, 0) ? wrap_fail((int)-r) : r;
}

#ifdef CAPSULE_PRIV_USER
/* Raise the signals in mask (bits, newlib's numbers): newlib's raise runs
 * each handler. */
void wrap_raise_mask(uint64_t mask);
/* The end of an assembly entry's ecall (mman_user.S) that returned an
 * error or signals to raise: raise them, then wrap_result(r). */
long wrap_finish(long r, uint64_t mask);

static inline long wrap_ecall(long nr, long a0, long a1, long a2, long a3, long a4, long a5)
{
    register long r0 __asm__("a0") = a0;
    register long r1 __asm__("a1") = a1;
    register long r2 __asm__("a2") = a2;
    register long r3 __asm__("a3") = a3;
    register long r4 __asm__("a4") = a4;
    register long r5 __asm__("a5") = a5;
    register long r7 __asm__("a7") = nr;
    __asm__ volatile("ecall" : "+r"(r0), "+r"(r1) : "r"(r2), "r"(r3), "r"(r4), "r"(r5), "r"(r7) : "memory");
    /* Plain copies: a register variable is not kept across the call. */
    long result = r0, mask = r1;
    if (__builtin_expect(mask != 0, 0))
        wrap_raise_mask((uint64_t)mask);
    return result;
}
#define SYSCALL0(n)                     wrap_ecall(SYS_##n, 0, 0, 0, 0, 0, 0)
#define SYSCALL1(n, a)                  wrap_ecall(SYS_##n, (long)(a), 0, 0, 0, 0, 0)
#define SYSCALL2(n, a, b)               wrap_ecall(SYS_##n, (long)(a), (long)(b), 0, 0, 0, 0)
#define SYSCALL3(n, a, b, c)            wrap_ecall(SYS_##n, (long)(a), (long)(b), (long)(c), 0, 0, 0)
#define SYSCALL4(n, a, b, c, d)         wrap_ecall(SYS_##n, (long)(a), (long)(b), (long)(c), (long)(d), 0, 0)
#define SYSCALL5(n, a, b, c, d, e)      wrap_ecall(SYS_##n, (long)(a), (long)(b), (long)(c), (long)(d), \
                                                   (long)(e), 0)
#define SYSCALL6(n, a, b, c, d, e, f)   wrap_ecall(SYS_##n, (long)(a), (long)(b), (long)(c), (long)(d), \
                                                   (long)(e), (long)(f))
#else
#define SYSCALL0(n)                     sys_##n()
#define SYSCALL1(n, a)                  sys_##n(a)
#define SYSCALL2(n, a, b)               sys_##n(a, b)
#define SYSCALL3(n, a, b, c)            sys_##n(a, b, c)
#define SYSCALL4(n, a, b, c, d)         sys_##n(a, b, c, d)
#define SYSCALL5(n, a, b, c, d, e)      sys_##n(a, b, c, d, e)
#define SYSCALL6(n, a, b, c, d, e, f)   sys_##n(a, b, c, d, e, f)
#endif

#endif
