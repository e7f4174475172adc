/* <sys/mman.h>'s system-call bodies (sys.h) over libmm's mm_* calls,
 * which return negative libmm error numbers; here they become -errno.  The
 * app-side entry points are in wrap/mman.c (and, in priv=supervisor,
 * mman_entry.S, which runs a call on the libOS call stack when its range
 * may cover the app's stack below sp). */
#include <errno.h>
#include <sys/mman.h>

#include <mm/mmap.h>

#include "glue.h"
#include "sys.h"

_Static_assert(PROT_WRITE == MM_PROT_WRITE && MAP_FIXED_NOREPLACE == MM_MAP_FIXED_NOREPLACE &&
               MAP_ANONYMOUS == MM_MAP_ANONYMOUS && MADV_FREE == MM_MADV_FREE &&
               MS_SYNC == MM_MS_SYNC && MREMAP_FIXED == MM_MREMAP_FIXED,
               "<sys/mman.h> and libmm agree on Linux's values");
_Static_assert(MAP_FIXED == 0x10, "mman_entry.S tests MAP_FIXED as 0x10");
_Static_assert(MADV_REMOVE == MM_MADV_REMOVE && MADV_POPULATE_WRITE == MM_MADV_POPULATE_WRITE &&
               MADV_COLLAPSE == MM_MADV_COLLAPSE && MADV_PAGEOUT == MM_MADV_PAGEOUT,
               "<sys/mman.h> and libmm agree on the madvise values");

/* A body's result: r, or libmm's error as -errno. */
static long result(int64_t r)
{
    return r < 0 ? -(long)errno_from_mm((int)-r) : (long)r;
}

/* Contract in sys.h. */
long sys_mmap(void *addr, size_t length, int prot, int flags, int fd, off_t offset)
{
    return result(mm_mmap((uint64)addr, length, prot, flags, fd, offset));
}

/* Contract in sys.h. */
long sys_munmap(void *addr, size_t length)
{
    return result(mm_munmap((uint64)addr, length));
}

/* Contract in sys.h. */
long sys_mprotect(void *addr, size_t length, int prot)
{
    return result(mm_mprotect((uint64)addr, length, prot));
}

/* Contract in sys.h. */
long sys_madvise(void *addr, size_t length, int advice)
{
    return result(mm_madvise((uint64)addr, length, advice));
}

/* Contract in sys.h. */
long sys_msync(void *addr, size_t length, int flags)
{
    return result(mm_msync((uint64)addr, length, flags));
}

/* Contract in sys.h: new_address is read only with MREMAP_FIXED (mremap is
 * variadic; on RISC-V it arrives in a4 either way). */
long sys_mremap(void *old_address, size_t old_size, size_t new_size, int flags, void *new_address)
{
    if (!(flags & MREMAP_FIXED))
        new_address = NULL;
    return result(mm_mremap((uint64)old_address, old_size, new_size, flags, (uint64)new_address));
}
