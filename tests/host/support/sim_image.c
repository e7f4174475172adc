/* Host test support: definitions of the image's linker symbols (arch/layout.h)
 * and where the image sits in the simulated physical memory.
 *
 * On the target the linker script (libarch/capsule.ld) sets the symbols.  Here
 * they are addresses inside two host buffers laid out like a small image:
 * sim_image_blob is the loaded image as the libOS sees it (libOS text, rodata,
 * data, the app's load image, libOS bss), placed by host_image_va_to_pa() at
 * the image's reserved range of the simulated RAM (SIM_RAM_BASE + SIM_FW_SIZE
 * == KERNEL_PHYS_BASE); sim_app_blob stands for the app's own address range.
 * Absolute addresses cannot be used: host test binaries are position
 * independent.  The libarch-only stack symbols are not defined here. */
#include "sim.h"
#include "sim_image.h"

#include <arch/layout.h>
#include <arch/mmu.h>

_Static_assert(SIM_RAM_BASE + SIM_FW_SIZE == KERNEL_PHYS_BASE,
               "the simulated image sits where OpenSBI starts the payload");
_Static_assert((SIM_IMAGE_PAGES << PAGE_SHIFT) <= SIM_IMAGE_SIZE,
               "the simulated image fits its reserved range");

__attribute__((aligned(4096))) char sim_image_blob[SIM_IMAGE_PAGES << PAGE_SHIFT];
__attribute__((aligned(4096))) char sim_app_blob[SIM_APP_PAGES << PAGE_SHIFT];

#define SIM_STR_(x)     #x
#define SIM_STR(x)      SIM_STR_(x)
/* Define the global symbol name at page pg of blob. */
#define SIM_SYMBOL(name, blob, pg) \
    ".globl " #name "\n.set " #name ", " #blob " + (" SIM_STR(pg) " << " SIM_STR(PAGE_SHIFT) ")\n"

__asm__(SIM_SYMBOL(__kernel_start, sim_image_blob, 0)
        SIM_SYMBOL(__kernel_text_end, sim_image_blob, SIM_KTEXT_END_PG)
        SIM_SYMBOL(__kernel_rodata_end, sim_image_blob, SIM_KRODATA_END_PG)
        SIM_SYMBOL(__kernel_data_end, sim_image_blob, SIM_KDATA_END_PG)
        SIM_SYMBOL(__app_load, sim_image_blob, SIM_APP_LOAD_PG)
        SIM_SYMBOL(__app_data_load, sim_image_blob, SIM_APP_DATA_LOAD_PG)
        SIM_SYMBOL(__kernel_bss_start, sim_image_blob, SIM_KBSS_START_PG)
        SIM_SYMBOL(__kernel_end, sim_image_blob, SIM_IMAGE_PAGES)
        SIM_SYMBOL(__image_end, sim_image_blob, SIM_IMAGE_PAGES)
        SIM_SYMBOL(__app_start, sim_app_blob, 0)
        SIM_SYMBOL(__app_text_end, sim_app_blob, SIM_APP_TEXT_END_PG)
        SIM_SYMBOL(__app_rodata_end, sim_app_blob, SIM_APP_RODATA_END_PG)
        SIM_SYMBOL(__app_data_start, sim_app_blob, SIM_APP_RODATA_END_PG)
        SIM_SYMBOL(__app_data_end, sim_app_blob, SIM_APP_DATA_END_PG)
        SIM_SYMBOL(__app_bss_start, sim_app_blob, SIM_APP_DATA_END_PG)
        SIM_SYMBOL(__app_end, sim_app_blob, SIM_APP_PAGES));

uint64_t host_image_va_to_pa(uint64_t va)
{
    return va - (uint64_t)sim_image_blob + KERNEL_PHYS_BASE;
}
