/* Host stand-ins for libarch's fault-safe copies: host tests never fault on
 * purpose, so these are plain copies (the guest tests cover the recovery). */
#include <arch/usercopy.h>

int arch_copy_fault_safe(void *dst, const void *src, size_t n)
{
    char *d = dst;
    const char *s = src;
    while (n--)
        *d++ = *s++;
    return 0;
}

long arch_strncpy_fault_safe(char *dst, const char *src, size_t max)
{
    for (size_t i = 0; i < max; i++)
        if ((dst[i] = src[i]) == '\0')
            return (long)i;
    return -1;
}

uint64_t arch_fault_fixup(uint64_t pc)
{
    (void)pc;
    return 0;
}
