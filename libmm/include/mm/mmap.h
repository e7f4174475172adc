/* Memory-mapping calls on the current address space (mmap.c), with Linux's
 * flag values and error rules (DESIGN.md's errno table).  They return
 * negative MM_ errors; libc_glue's <sys/mman.h> wraps them into POSIX calls. */
#ifndef MM_MMAP_H
#define MM_MMAP_H

#include <mm/types.h>

#define MM_PROT_NONE        0x0
#define MM_PROT_READ        0x1
#define MM_PROT_WRITE       0x2
#define MM_PROT_EXEC        0x4
#define MM_PROT_SEM         0x8
#define MM_PROT_GROWSDOWN   0x01000000
#define MM_PROT_GROWSUP     0x02000000

#define MM_MAP_SHARED           0x01
#define MM_MAP_PRIVATE          0x02
#define MM_MAP_SHARED_VALIDATE  0x03
#define MM_MAP_TYPE             0x0f
#define MM_MAP_FIXED            0x10
#define MM_MAP_ANONYMOUS        0x20
#define MM_MAP_GROWSDOWN        0x0100
#define MM_MAP_DENYWRITE        0x0800
#define MM_MAP_EXECUTABLE       0x1000
#define MM_MAP_LOCKED           0x2000
#define MM_MAP_NORESERVE        0x4000
#define MM_MAP_POPULATE         0x8000
#define MM_MAP_NONBLOCK         0x10000
#define MM_MAP_STACK            0x20000
#define MM_MAP_HUGETLB          0x40000
#define MM_MAP_SYNC             0x80000
#define MM_MAP_FIXED_NOREPLACE  0x100000
#define MM_MAP_UNINITIALIZED    0x4000000
#define MM_MAP_ALLOC            0x200000    /* SC7's: populate at once, as MAP_POPULATE (a bit Linux leaves unused) */

#define MM_MADV_NORMAL      0
#define MM_MADV_RANDOM      1
#define MM_MADV_SEQUENTIAL  2
#define MM_MADV_WILLNEED    3
#define MM_MADV_DONTNEED    4
#define MM_MADV_FREE        8
#define MM_MADV_DONTFORK    10      /* these ten are accepted and change nothing */
#define MM_MADV_DOFORK      11
#define MM_MADV_HUGEPAGE    14
#define MM_MADV_NOHUGEPAGE  15
#define MM_MADV_DONTDUMP    16
#define MM_MADV_DODUMP      17
#define MM_MADV_WIPEONFORK  18
#define MM_MADV_KEEPONFORK  19
#define MM_MADV_COLD        20
#define MM_MADV_PAGEOUT     21
#define MM_MADV_REMOVE      9       /* shared mappings only: drop the pages */
#define MM_MADV_MERGEABLE   12      /* KSM: accepted, nothing is ever merged */
#define MM_MADV_UNMERGEABLE 13
#define MM_MADV_POPULATE_READ  22   /* fault the pages in, as a read / a write would (Linux 5.14) */
#define MM_MADV_POPULATE_WRITE 23
#define MM_MADV_DONTNEED_LOCKED 24  /* as DONTNEED (nothing is ever locked) */
#define MM_MADV_COLLAPSE    25      /* -MM_EINVAL on a mapping: not supported (Linux says so without THP) */

#define MM_MS_ASYNC         1
#define MM_MS_INVALIDATE    2
#define MM_MS_SYNC          4

#define MM_MREMAP_MAYMOVE   1
#define MM_MREMAP_FIXED     2
#define MM_MREMAP_DONTUNMAP 4

/* mmap: anonymous memory, and files through the file system's operations
 * (mm/filemap.h): -MM_EBADF for an fd that does not exist, -MM_ENODEV for one
 * that cannot be mapped (the console, a pipe, a directory: after Linux's
 * EINVAL/EOVERFLOW/EOPNOTSUPP checks), -MM_EACCES for MAP_SHARED with
 * PROT_WRITE of a descriptor not open for writing or any mapping of one not
 * open for reading.  Returns the address, or a negative MM_ error. */
int64_t mm_mmap(uint64 addr, uint64 len, int prot, int flags, int fd, int64_t offset);
/* munmap: 0; -MM_EINVAL (unaligned addr, len 0, outside the app's half);
 * -MM_ENOMEM when splitting a VMA or a superpage needs memory there is not. */
int     mm_munmap(uint64 addr, uint64 len);
/* mprotect: 0; -MM_EINVAL (unaligned addr, unknown prot bits), -MM_ENOMEM
 * (wrap, or a page in the range is not mapped: the pages before the hole
 * have changed, as on Linux), -MM_EACCES (write and execute together: no
 * mapping is ever both; PROT_WRITE on a MAP_SHARED mapping of a descriptor
 * not open for writing).  PROT_GROWSDOWN or PROT_GROWSUP: -MM_EINVAL after
 * Linux's other checks (no mapping here grows), -MM_ENOMEM where Linux finds
 * no mapping. */
int     mm_mprotect(uint64 addr, uint64 len, int prot);
/* madvise: MADV_NORMAL/RANDOM/SEQUENTIAL (no-ops), WILLNEED (populate),
 * DONTNEED, DONTNEED_LOCKED and FREE (drop the pages: anonymous memory reads
 * zero next time, a file mapping its file's pages; FREE on a file mapping is
 * -MM_EINVAL), REMOVE (the same, shared mappings only: -MM_EINVAL on a
 * private one; on a file it punches a hole in the file, and wants a shared
 * writable mapping: -MM_EACCES otherwise), POPULATE_READ/WRITE (fault every page in as a read/write would:
 * -MM_EINVAL on PROT_NONE, or for WRITE on a mapping without PROT_WRITE;
 * -MM_ENOMEM at a hole or without memory, -MM_EFAULT when a page cannot be
 * faulted in; they stop at the first error, the others go on past a hole);
 * DONTFORK .. PAGEOUT, MERGEABLE and UNMERGEABLE are accepted and do
 * nothing; COLLAPSE is -MM_EINVAL.  Any advice Linux does not know is
 * -MM_EINVAL; a known one over a range with a hole is -MM_ENOMEM. */
int     mm_madvise(uint64 addr, uint64 len, int advice);
/* msync: checks only -- anonymous memory has nothing to write back, and a
 * file's pages are its page cache's (in RAM) already. */
int     mm_msync(uint64 addr, uint64 len, int flags);
/* mremap: shrink or grow in place, MREMAP_MAYMOVE, MREMAP_FIXED.  Returns
 * the new address or a negative MM_ error. */
int64_t mm_mremap(uint64 old_addr, uint64 old_len, uint64 new_len, int flags, uint64 new_addr);

/* The seeds' name for munmap: 0 or -1. */
int     do_munmap(void *addr, size_t length);

#endif
