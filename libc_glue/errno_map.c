/* libmm's error numbers are Linux's; newlib numbers a few differently
 * (ENOSYS, EOVERFLOW, ...).  This is the one place they are translated. */
#include <errno.h>

#include <mm/errno.h>

#include "glue.h"

int errno_from_mm(int mm_error)
{
    switch (mm_error) {
    case MM_EPERM:      return EPERM;
    case MM_ENOENT:     return ENOENT;
    case MM_ENXIO:      return ENXIO;
    case MM_EBADF:      return EBADF;
    case MM_ENOMEM:     return ENOMEM;
    case MM_EACCES:     return EACCES;
    case MM_EFAULT:     return EFAULT;
    case MM_EBUSY:      return EBUSY;
    case MM_EEXIST:     return EEXIST;
    case MM_ENODEV:     return ENODEV;
    case MM_EINVAL:     return EINVAL;
    case MM_ENOSPC:     return ENOSPC;
    case MM_ERANGE:     return ERANGE;
    case MM_ENOSYS:     return ENOSYS;
    case MM_EOVERFLOW:  return EOVERFLOW;
    case MM_EOPNOTSUPP: return EOPNOTSUPP;
    default:            return EINVAL;
    }
}
