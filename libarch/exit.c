/* arch_exit: the app's status to the host through the sifive,test device. */
#include <arch/bootinfo.h>
#include <arch/exit.h>
#include <arch/layout.h>
#include <arch/sbi.h>

#include "arch_internal.h"

#define TEST_PASS       0x5555      /* sifive,test: power off, status 0 */
#define TEST_FAIL       0x3333      /* sifive,test: power off, status in bits 16.. */
#define TEST_CODE_SHIFT 16
#define EXIT_STATUS_MASK 0xff

void arch_exit(int status)
{
    const struct boot_info *bi = arch_boot_info();
    uint32_t code = (uint32_t)status & EXIT_STATUS_MASK;

    if (bi->test_pa) {
        volatile uint32_t *dev = (volatile uint32_t *)arch_direct_map(bi->test_pa);
        *dev = code ? (code << TEST_CODE_SHIFT) | TEST_FAIL : TEST_PASS;
    }
    sbi_shutdown(code != 0);
    for (;;)
        __asm__ volatile("wfi");
}
