/* SBI calls to the firmware (OpenSBI): console fallback, timer, system reset. */
#ifndef ARCH_SBI_H
#define ARCH_SBI_H

#include <stdint.h>

#define SBI_EXT_LEGACY_PUTCHAR  0x01
#define SBI_EXT_BASE            0x10
#define SBI_EXT_TIME            0x54494d45      /* "TIME" */
#define SBI_EXT_SRST            0x53525354      /* "SRST" */
#define SBI_SRST_SHUTDOWN       0
#define SBI_SRST_REASON_NONE    0
#define SBI_SRST_REASON_FAILURE 1

struct sbiret {
    long error;
    long value;
};

/* One SBI call: extension eid, function fid, up to three arguments. */
struct sbiret sbi_call(uint64_t eid, uint64_t fid, uint64_t a0, uint64_t a1, uint64_t a2);
/* Legacy console output of one byte (slow; used before the UART is known). */
void sbi_console_putchar(int ch);
/* Program the next timer interrupt at absolute time stime. */
void sbi_set_timer(uint64_t stime);
/* Ask the firmware to power off; failure selects the "system failure" reason. */
void sbi_shutdown(int failure);

#endif
