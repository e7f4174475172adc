/* Not public: the one checked way libc_glue touches memory the app named.
 * Every entry point that takes a pointer from the app goes through these:
 * an address outside the app's half, a range that wraps, or a page the app
 * cannot access gives -EFAULT (never a fault inside the libOS, never a write
 * into libOS memory). */
#ifndef LIBC_GLUE_USER_H
#define LIBC_GLUE_USER_H

#include <stddef.h>
#include <stdint.h>

/* Whether [uaddr, uaddr + len) lies inside the app's half without wrapping
 * (len 0: whether uaddr does). */
int user_range_ok(const void *uaddr, size_t len);
/* Copy len bytes (at most INT_MAX) from the app's uaddr into dst: 0, or
 * -EFAULT (dst may then hold part of them). */
int user_read(void *dst, const void *uaddr, size_t len);
/* Copy len bytes from src to the app's uaddr: 0, or -EFAULT (part of the
 * range may have been written). */
int user_write(void *uaddr, const void *src, size_t len);

/* Store one object through an app pointer: 0 or -EFAULT. */
#define user_put(uptr, value) \
    ({ __typeof__(*(uptr)) user_put_v_ = (value); user_write((uptr), &user_put_v_, sizeof user_put_v_); })

#endif
