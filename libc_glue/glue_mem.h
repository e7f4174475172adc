/* Not public: byte copies, fills and compares for libOS code in libc_glue
 * that runs where newlib's string functions cannot be called: newlib's
 * text lies in the app's image, in the low half, which is not mapped while
 * the file system is filled at boot.  Byte loops, kept loops (GCC would
 * otherwise turn them back into memcpy and memset calls); the file system
 * moves whole pages with libmm's page_copy/page_zero instead. */
#ifndef LIBC_GLUE_GLUE_MEM_H
#define LIBC_GLUE_GLUE_MEM_H

#include <stddef.h>

#define GLUE_MEM_FN static inline __attribute__((optimize("no-tree-loop-distribute-patterns")))

GLUE_MEM_FN void glue_memcpy(void *dst, const void *src, size_t n)
{
    char *d = dst;
    const char *s = src;
    while (n--)
        *d++ = *s++;
}

GLUE_MEM_FN void glue_memset(void *dst, int c, size_t n)
{
    char *d = dst;
    while (n--)
        *d++ = (char)c;
}

/* Whether the n bytes at a and b are equal. */
GLUE_MEM_FN int glue_memeq(const void *a, const void *b, size_t n)
{
    const char *x = a, *y = b;
    while (n--)
        if (*x++ != *y++)
            return 0;
    return 1;
}

GLUE_MEM_FN size_t glue_strlen(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

#endif
