/* errno for the wrappers (syscall.h), and in priv=user the raising of the
 * signals a system call's return names. */
#include <errno.h>
#include <signal.h>

#include "syscall.h"

/* The calling thread's errno, as <errno.h> names it (newlib's reentrancy
 * structure). */
static void set_reent_errno(int err)
{
    errno = err;
}

/* newlib's _r wrappers (close -> _close_r -> _close) copy the global errno
 * into the reentrancy structure; calls the app makes directly (waitpid,
 * pipe, dup) must set the structure's.  wrap_fail sets both. */
#undef errno
extern int errno;

/* Contract in syscall.h. */
int wrap_fail(int err)
{
    set_reent_errno(err);
    errno = err;
    return -1;
}

#ifdef CAPSULE_PRIV_USER
/* Contract in syscall.h. */
void wrap_raise_mask(uint64_t mask)
{
    while (mask) {
        int sig = __builtin_ctzll(mask);
        mask &= mask - 1;
        raise(sig);
    }
}

/* Contract in syscall.h. */
long wrap_finish(long r, uint64_t mask)
{
    wrap_raise_mask(mask);
    return wrap_result(r);
}
#endif
