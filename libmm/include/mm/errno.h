/* libmm's error codes.  Functions return the negative of these; only
 * libc_glue turns them into errno.  The values are Linux's, so the libc layer
 * maps them one to one. */
#ifndef MM_ERRNO_H
#define MM_ERRNO_H

#define MM_OK           0
#define MM_EPERM        1
#define MM_ENOENT       2
#define MM_ENXIO        6       /* no page at that offset of a mapped file: SIGBUS */
#define MM_EBADF        9
#define MM_ENOMEM       12
#define MM_EACCES       13
#define MM_EFAULT       14
#define MM_EBUSY        16
#define MM_EEXIST       17
#define MM_ENODEV       19
#define MM_EINVAL       22
#define MM_ENOSPC       28
#define MM_ERANGE       34
#define MM_ENOSYS       38
#define MM_EOVERFLOW    75
#define MM_EOPNOTSUPP   95

#endif
