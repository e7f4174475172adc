/* Reports the boot's instruction counts: the firmware's own boot (rdinstret
 * at the payload's entry) and libmm's initialisation (kinit + kvminit). */
#include <stdio.h>

#include <arch/bootinfo.h>
#include <capsule/boot.h>

int main(void)
{
    const struct boot_info *bi = arch_boot_info();
    printf("BENCH firmware_boot %lu\n", (unsigned long)bi->instret_at_entry);
    printf("BENCH mm_init %lu\n", (unsigned long)capsule_mm_init_instret());
    return 0;
}
