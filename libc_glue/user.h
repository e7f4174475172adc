/* Not public: the one checked way libc_glue touches memory the app named.
 * Every entry point that takes a pointer from the app goes through these:
 * an address outside the app's half, a range that wraps, or a page the app
 * cannot access gives -EFAULT (never a fault inside the libOS, never a write
 * into libOS memory). */
#ifndef LIBC_GLUE_USER_H
#define LIBC_GLUE_USER_H

#include <stddef.h>
#include <stdint.h>

#include <arch/usercopy.h>
#include <mm/errno.h>
#include <mm/uvm.h>

#ifndef EFAULT
#define EFAULT MM_EFAULT
#endif

/* Whether [uaddr, uaddr + len) lies inside the app's half without wrapping
 * (len 0: whether uaddr does). */
int user_range_ok(const void *uaddr, size_t len);
/* Copy len bytes (at most INT_MAX) from the app's uaddr into dst: 0, or
 * -EFAULT (dst may then hold part of them). */
int user_read(void *dst, const void *uaddr, size_t len);
/* Copy len bytes from src to the app's uaddr: 0, or -EFAULT (part of the
 * range may have been written). */
int user_write(void *uaddr, const void *src, size_t len);

/* Copy the app's NUL-terminated string at ustr into dst (max bytes with the
 * NUL): its length, -EFAULT (a fault before the NUL), or -ENAMETOOLONG (no
 * NUL within max readable bytes), as Linux reads a path. */
long user_read_string(char *dst, const char *ustr, size_t max);

/* Store one object through an app pointer: 0 or -EFAULT.  Inline, for the
 * clocks' hot path: the same range check and fault-safe copy that
 * copyout does for the running address space (the only one an app's call
 * can name). */
static inline int user_store_small(void *uaddr, const void *src, size_t len)
{
    if (!uvm_user_range((uint64)uaddr, len))
        return -EFAULT;
    return arch_copy_fault_safe(uaddr, src, len) == 0 ? 0 : -EFAULT;
}

/* Load len bytes from the app's uaddr into dst: 0 or -EFAULT; the same
 * checks as user_read, inline (pipes move their bytes with these two). */
static inline int user_load_small(void *dst, const void *uaddr, size_t len)
{
    if (!uvm_user_range((uint64)uaddr, len))
        return -EFAULT;
    return arch_copy_fault_safe(dst, uaddr, len) == 0 ? 0 : -EFAULT;
}

/* Store two words at the app's uaddr (a struct timespec or timeval): 0 or
 * -EFAULT; the same checks, without a copy loop. */
int user_put_pair_slow(void *uaddr, uint64_t first, uint64_t second);
static inline int user_put_pair(void *uaddr, uint64_t first, uint64_t second)
{
    if (__builtin_expect(uvm_user_range((uint64)uaddr, 2 * sizeof(uint64_t)) && ((uint64)uaddr & 7) == 0, 1))
        return arch_put_pair_fault_safe(uaddr, first, second) == 0 ? 0 : -EFAULT;
    return user_put_pair_slow(uaddr, first, second);
}
#define user_put(uptr, value) \
    ({ __typeof__(*(uptr)) user_put_v_ = (value); user_store_small((uptr), &user_put_v_, sizeof user_put_v_); })

#endif
