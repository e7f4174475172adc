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

/* Contract in user.h.  copyinstr cannot tell a fault from a string
 * without its NUL: when max bytes can be read, it was the latter. */
long user_read_string(char *dst, const char *ustr, size_t max)
{
    size_t len = copyinstr(uvm_current(), dst, (uint64)ustr, max);
    if (len != (size_t)-1)
        return (long)len;
    return user_read(dst, ustr, max) == 0 ? -ENAMETOOLONG : -EFAULT;
}
