/* <sys/mman.h>: POSIX memory mapping over libmm's mm_* calls, which return
 * negative Linux error numbers; here they become errno and POSIX returns.
 * The bodies that can unmap memory (glue_*) are reached through the entry
 * points in mman_entry.S, which carry the public names and run a body on the
 * libOS call stack when its range may cover the app's stack below sp: a
 * call that unmaps the app's own stack completes and the app faults on its
 * next access, as on Linux. */
#include <errno.h>
#include <sys/mman.h>

#include <mm/mmap.h>

#include "glue.h"

_Static_assert(PROT_WRITE == MM_PROT_WRITE && MAP_FIXED_NOREPLACE == MM_MAP_FIXED_NOREPLACE &&
               MAP_ANONYMOUS == MM_MAP_ANONYMOUS && MADV_FREE == MM_MADV_FREE &&
               MS_SYNC == MM_MS_SYNC && MREMAP_FIXED == MM_MREMAP_FIXED,
               "<sys/mman.h> and libmm agree on Linux's values");
_Static_assert(MAP_FIXED == 0x10, "mman_entry.S tests MAP_FIXED as 0x10");
_Static_assert(MADV_REMOVE == MM_MADV_REMOVE && MADV_POPULATE_WRITE == MM_MADV_POPULATE_WRITE &&
               MADV_COLLAPSE == MM_MADV_COLLAPSE && MADV_PAGEOUT == MM_MADV_PAGEOUT,
               "<sys/mman.h> and libmm agree on the madvise values");

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

void *glue_mmap(void *addr, size_t length, int prot, int flags, int fd, off_t offset)
{
    return address_or_fail(mm_mmap((uint64)addr, length, prot, flags, fd, offset));
}

int glue_munmap(void *addr, size_t length)
{
    return zero_or_fail(mm_munmap((uint64)addr, length));
}

int glue_mprotect(void *addr, size_t length, int prot)
{
    return zero_or_fail(mm_mprotect((uint64)addr, length, prot));
}

int glue_madvise(void *addr, size_t length, int advice)
{
    return zero_or_fail(mm_madvise((uint64)addr, length, advice));
}

/* posix_madvise returns the error instead of setting errno. */
int glue_posix_madvise(void *addr, size_t length, int advice)
{
    int r = mm_madvise((uint64)addr, length, advice);
    return r < 0 ? errno_from_mm(-r) : 0;
}

int msync(void *addr, size_t length, int flags)
{
    return zero_or_fail(mm_msync((uint64)addr, length, flags));
}

/* mremap's fifth argument is read only with MREMAP_FIXED (it is variadic;
 * on RISC-V it arrives in a4 either way). */
void *glue_mremap(void *old_address, size_t old_size, size_t new_size, int flags, void *new_address)
{
    if (!(flags & MREMAP_FIXED))
        new_address = NULL;
    return address_or_fail(mm_mremap((uint64)old_address, old_size, new_size, flags,
                                     (uint64)new_address));
}
