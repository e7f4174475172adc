/* Host test support: simulated RAM, boot info, console and TLB stubs (see sim.h). */
#include "sim.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <arch/bootinfo.h>
#include <arch/console.h>
#include <arch/layout.h>
#include <arch/mmu.h>
#include <mm/kalloc.h>
#include <mm/page.h>
#include <mm/page_init.h>

uint64_t host_direct_map_offset;
uint64_t sim_sfence_all_count, sim_sfence_page_count;
uint64_t sim_satp;
int      sim_expect_panic;
jmp_buf  sim_panic_jmp;
char     sim_last_panic[512];

static void            *sim_buf;
static struct boot_info sim_info;

void sim_ram_init(uint64_t ram_bytes)
{
    sim_buf = aligned_alloc(1UL << 24, ram_bytes);
    if (!sim_buf) {
        fprintf(stderr, "sim: cannot allocate %lu bytes\n", (unsigned long)ram_bytes);
        abort();
    }
    memset(sim_buf, 0xa5, ram_bytes);       /* RAM starts dirty, as on hardware */
    host_direct_map_offset = (uint64_t)sim_buf - SIM_RAM_BASE;
    memset(&sim_info, 0, sizeof sim_info);
    sim_info.ram[0] = (struct mem_range){ SIM_RAM_BASE, ram_bytes };
    sim_info.nr_ram = 1;
    sim_info.reserved[0] = (struct mem_range){ SIM_RAM_BASE, SIM_FW_SIZE };
    sim_info.reserved[1] = (struct mem_range){ SIM_RAM_BASE + SIM_FW_SIZE, SIM_IMAGE_SIZE };
    sim_info.nr_reserved = 2;
    sim_satp = 0;
}

void sim_ram_fini(void)
{
    free(sim_buf);
    sim_buf = NULL;
}

uint64_t sim_mm_start(uint64_t ram_bytes)
{
    sim_ram_init(ram_bytes);
    kinit();
    return page_free_count();
}

void sim_mm_finish(uint64_t baseline_pages)
{
    kalloc_drain();
    assert_int_equal(page_free_count(), baseline_pages);
    assert_int_equal(page_check(), 0);
    sim_ram_fini();
}

void *sim_pa(uint64_t pa)
{
    return (void *)(pa + host_direct_map_offset);
}

const struct boot_info *arch_boot_info(void)
{
    return &sim_info;
}

void arch_sfence_vma_all(void)          { sim_sfence_all_count++; }
void arch_sfence_vma_page(uint64_t va)  { (void)va; sim_sfence_page_count++; }
void arch_write_satp(uint64_t satp)     { sim_satp = satp; }
uint64_t arch_read_satp(void)           { return sim_satp; }

int kvprintf(const char *fmt, va_list ap)
{
    return vprintf(fmt, ap);
}

int kprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vprintf(fmt, ap);
    va_end(ap);
    return n;
}

void console_write(const char *buf, size_t len)
{
    fwrite(buf, 1, len, stdout);
}

void panic(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sim_last_panic, sizeof sim_last_panic, fmt, ap);
    va_end(ap);
    if (sim_expect_panic)
        longjmp(sim_panic_jmp, 1);
    fprintf(stderr, "panic: %s\n", sim_last_panic);
    abort();
}
