/* Checked copies between the libOS and memory the app named (user.h), on
 * libmm's fault-safe copyin/copyout over the running address space. */
#include <errno.h>

#include <mm/uvm.h>

#include "user.h"

/* Contract in user.h. */
int user_range_ok(const void *uaddr, size_t len)
{
    return uvm_user_range((uint64)uaddr, len);
}

/* Contract in user.h. */
int user_read(void *dst, const void *uaddr, size_t len)
{
    if (len == 0)
        return 0;
    return copyin(uvm_current(), dst, (uint64)uaddr, len) == (int)len ? 0 : -EFAULT;
}

/* Contract in user.h. */
int user_write(void *uaddr, const void *src, size_t len)
{
    if (len == 0)
        return 0;
    return copyout(uvm_current(), (uint64)uaddr, (void *)src, len) < 0 ? -EFAULT : 0;
}

/* Contract in user.h: user_put_pair's unaligned or out-of-range case. */
int user_put_pair_slow(void *uaddr, uint64_t first, uint64_t second)
{
    uint64_t w[2] = { first, second };
    return user_write(uaddr, w, sizeof w);
}
