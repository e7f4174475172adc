/* With malloc=newlib: newlib's own malloc over sbrk, plus what newlib 3.3.0
 * lacks or gets wrong: posix_memalign, and calloc's overflow check. */
#include <errno.h>
#include <malloc.h>
#include <reent.h>
#include <stdint.h>
#include <string.h>

int posix_memalign(void **memptr, size_t align, size_t n)
{
    if (align < sizeof(void *) || (align & (align - 1)))
        return EINVAL;
    void *p = memalign(align, n);
    if (!p)
        return ENOMEM;
    *memptr = p;
    return 0;
}

void *_calloc_r(struct _reent *r, size_t nr, size_t size)
{
    if (size && nr > SIZE_MAX / size) {
        r->_errno = ENOMEM;
        return NULL;
    }
    void *p = _malloc_r(r, nr * size);
    if (p)
        memset(p, 0, nr * size);
    return p;
}
