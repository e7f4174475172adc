/* Host test support: the simulated image's layout, in pages from its start,
 * mirroring libarch/capsule.ld (see sim_image.c).  Plain numbers because
 * sim_image.c pastes them into assembler directives. */
#ifndef TEST_SIM_IMAGE_H
#define TEST_SIM_IMAGE_H

#include <stdint.h>

/* The loaded image (libOS VAs; physical SIM_RAM_BASE + SIM_FW_SIZE onwards). */
#define SIM_KTEXT_END_PG        4   /* [0, 4)   libOS text           RX */
#define SIM_KRODATA_END_PG      6   /* [4, 6)   libOS rodata         R  */
#define SIM_KDATA_END_PG        8   /* [6, 8)   libOS data           RW */
#define SIM_APP_LOAD_PG         8   /* [8, 12)  app load image: text, rodata, data contents */
#define SIM_APP_DATA_LOAD_PG    11
#define SIM_KBSS_START_PG       12  /* [12, 13) libOS bss            RW */
#define SIM_IMAGE_PAGES         13

/* The app's own view (low-half VAs on the target), in pages from __app_start. */
#define SIM_APP_TEXT_END_PG     2
#define SIM_APP_RODATA_END_PG   3
#define SIM_APP_DATA_END_PG     4
#define SIM_APP_PAGES           5

/* The host buffers behind the symbols. */
extern char sim_image_blob[];
extern char sim_app_blob[];

/* Simulated physical address of a host address inside sim_image_blob
 * (libmm's kvm.c calls this on the host; see libmm/vm_internal.h). */
uint64_t host_image_va_to_pa(uint64_t va);

#endif
