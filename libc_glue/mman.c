/* <sys/mman.h>: POSIX memory mapping over libmm's mm_* calls, which return
 * negative Linux error numbers; here they become errno and POSIX returns. */
#include <errno.h>
#include <stdarg.h>
#include <sys/mman.h>

#include <mm/mmap.h>

#include "glue.h"

_Static_assert(PROT_WRITE == MM_PROT_WRITE && MAP_FIXED_NOREPLACE == MM_MAP_FIXED_NOREPLACE &&
               MAP_ANONYMOUS == MM_MAP_ANONYMOUS && MADV_FREE == MM_MADV_FREE &&
               MS_SYNC == MM_MS_SYNC && MREMAP_FIXED == MM_MREMAP_FIXED,
               "<sys/mman.h> and libmm agree on Linux's values");

/* The address for r >= 0; else errno from -r and MAP_FAILED. */
static void *address_or_fail(int64_t r)
{
    if (r < 0) {
        errno = errno_from_mm((int)-r);
        return MAP_FAILED;
    }
    return (void *)r;
}

static int zero_or_fail(int r)
{
    if (r < 0) {
        errno = errno_from_mm(-r);
        return -1;
    }
    return 0;
}

void *mmap(void *addr, size_t length, int prot, int flags, int fd, off_t offset)
{
    return address_or_fail(mm_mmap((uint64)addr, length, prot, flags, fd, offset));
}

int munmap(void *addr, size_t length)
{
    return zero_or_fail(mm_munmap((uint64)addr, length));
}

int mprotect(void *addr, size_t length, int prot)
{
    return zero_or_fail(mm_mprotect((uint64)addr, length, prot));
}

int madvise(void *addr, size_t length, int advice)
{
    return zero_or_fail(mm_madvise((uint64)addr, length, advice));
}

/* posix_madvise returns the error instead of setting errno. */
int posix_madvise(void *addr, size_t length, int advice)
{
    int r = mm_madvise((uint64)addr, length, advice);
    return r < 0 ? errno_from_mm(-r) : 0;
}

int msync(void *addr, size_t length, int flags)
{
    return zero_or_fail(mm_msync((uint64)addr, length, flags));
}

void *mremap(void *old_address, size_t old_size, size_t new_size, int flags, ...)
{
    void *new_address = NULL;
    if (flags & MREMAP_FIXED) {
        va_list ap;
        va_start(ap, flags);
        new_address = va_arg(ap, void *);
        va_end(ap);
    }
    return address_or_fail(mm_mremap((uint64)old_address, old_size, new_size, flags,
                                     (uint64)new_address));
}
