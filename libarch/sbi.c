/* SBI calls (SBI specification v1.0 calling convention: a7 = EID, a6 = FID). */
#include <arch/sbi.h>

struct sbiret sbi_call(uint64_t eid, uint64_t fid, uint64_t a0, uint64_t a1, uint64_t a2)
{
    register uint64_t r_a0 __asm__("a0") = a0;
    register uint64_t r_a1 __asm__("a1") = a1;
    register uint64_t r_a2 __asm__("a2") = a2;
    register uint64_t r_a6 __asm__("a6") = fid;
    register uint64_t r_a7 __asm__("a7") = eid;
    __asm__ volatile("ecall"
                     : "+r"(r_a0), "+r"(r_a1)
                     : "r"(r_a2), "r"(r_a6), "r"(r_a7)
                     : "memory");
    return (struct sbiret){ .error = (long)r_a0, .value = (long)r_a1 };
}

void sbi_console_putchar(int ch)
{
    sbi_call(SBI_EXT_LEGACY_PUTCHAR, 0, (uint64_t)ch, 0, 0);
}

void sbi_set_timer(uint64_t stime)
{
    sbi_call(SBI_EXT_TIME, 0, stime, 0, 0);
}

void sbi_shutdown(int failure)
{
    sbi_call(SBI_EXT_SRST, 0, SBI_SRST_SHUTDOWN,
             failure ? SBI_SRST_REASON_FAILURE : SBI_SRST_REASON_NONE, 0);
}
