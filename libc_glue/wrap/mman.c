/* The app side of <sys/mman.h> (syscall.h).  The calls that can unmap the
 * stack below sp have assembly entry points that touch no stack:
 * priv=supervisor mman_entry.S, which reaches the glue_* wrappers here
 * directly or on the libOS call stack; priv=user mman_user.S, bare ecalls.
 * posix_madvise and msync are plain wrappers. */
#include <errno.h>
#include <sys/mman.h>

#include "syscall.h"

#ifndef CAPSULE_PRIV_USER
void *glue_mmap(void *addr, size_t length, int prot, int flags, int fd, off_t offset);
int   glue_munmap(void *addr, size_t length);
int   glue_mprotect(void *addr, size_t length, int prot);
int   glue_madvise(void *addr, size_t length, int advice);
void *glue_mremap(void *old_address, size_t old_size, size_t new_size, int flags, void *new_address);

/* The address, or errno and MAP_FAILED. */
static void *address_or_fail(long r)
{
    return r < 0 ? (wrap_fail((int)-r), MAP_FAILED) : (void *)r;
}

void *glue_mmap(void *addr, size_t length, int prot, int flags, int fd, off_t offset)
{
    return address_or_fail(SYSCALL6(mmap, addr, length, prot, flags, fd, offset));
}

int glue_munmap(void *addr, size_t length)
{
    return (int)wrap_result(SYSCALL2(munmap, addr, length));
}

int glue_mprotect(void *addr, size_t length, int prot)
{
    return (int)wrap_result(SYSCALL3(mprotect, addr, length, prot));
}

int glue_madvise(void *addr, size_t length, int advice)
{
    return (int)wrap_result(SYSCALL3(madvise, addr, length, advice));
}

/* posix_madvise returns the error instead of setting errno (in
 * priv=supervisor reached through mman_entry.S). */
#ifdef CAPSULE_PRIV_USER
#define POSIX_MADVISE posix_madvise
#else
#define POSIX_MADVISE glue_posix_madvise
int glue_posix_madvise(void *addr, size_t length, int advice);
#endif
int POSIX_MADVISE(void *addr, size_t length, int advice)
{
    long r = SYSCALL3(madvise, addr, length, advice);
    return r < 0 ? (int)-r : 0;
}

/* mremap's fifth argument is read only with MREMAP_FIXED (it is variadic;
 * on RISC-V it arrives in a4 either way). */
void *glue_mremap(void *old_address, size_t old_size, size_t new_size, int flags, void *new_address)
{
    return address_or_fail(SYSCALL5(mremap, old_address, old_size, new_size, flags, new_address));
}
#endif

int msync(void *addr, size_t length, int flags)
{
    return (int)wrap_result(SYSCALL3(msync, addr, length, flags));
}
