/* The out-of-line word fill and copy that kalloc, umalloc and page.c call
 * (the loops themselves live in words.h). */
#include <stddef.h>

#include <mm/types.h>

#include "words.h"

/* Contract in words.h. */
void mm_fill(void *p, size_t bytes, uint64 pattern)
{
    words_fill(p, bytes / sizeof(uint64), pattern);
}

/* Contract in words.h. */
void mm_copy(void *dst, const void *src, size_t bytes)
{
    words_copy(dst, src, bytes / sizeof(uint64));
}
