/* The app's address space: building it at boot (image, stack), growing the
 * heap, and the seeds' uvm* calls. */
#include <arch/layout.h>
#include <arch/mmu.h>

#include <mm/errno.h>
#include <mm/page.h>
#include <mm/uvm.h>
#include <mm/vm.h>

/* The one address space (single process until fork lands); boot writes it
 * once, the app's brk calls change heap_end.  Interrupts are off in libOS code. */
static pagetable_t current_pt;
static uint64 heap_start, heap_brk;

pagetable_t uvm_current(void)
{
    return current_pt;
}

void uvm_set_current(pagetable_t pt)
{
    current_pt = pt;
}

pagetable_t uvmmake(uint64 trapframe)
{
    if (trapframe != 0)
        return NULL;
    pagetable_t root = page_zalloc(0);
    pagetable_t kpt = kernel_pagetable();
    if (!root)
        return NULL;
    for (unsigned i = PX(SV39_ROOT_LEVEL, SV39_HIGH_START); kpt && i < PTES_PER_TABLE; i++)
        root[i] = kpt[i];
    return root;
}

uint64 uvmalloc(pagetable_t pt, uint64 oldsz, uint64 newsz, int perm)
{
    if (newsz <= oldsz)
        return oldsz;
    if (newsz > USER_END || PGROUNDUP(oldsz) < NULL_GUARD_END || (perm & PTE_X))
        return 0;
    for (uint64 va = PGROUNDUP(oldsz); va < PGROUNDUP(newsz); va += PAGE_SIZE) {
        void *page = page_zalloc(0);
        if (!page || mappages(pt, va, virt_to_phys((uint64)page), PAGE_SIZE, (uint64)perm) != 0) {
            if (page)
                page_free(page, 0);
            uvmdealloc(pt, va, oldsz);
            return 0;
        }
    }
    return newsz;
}

uint64 uvmdealloc(pagetable_t pt, uint64 oldsz, uint64 newsz)
{
    if (newsz >= oldsz)
        return oldsz;
    uint64 from = PGROUNDUP(newsz), to = PGROUNDUP(oldsz);
    if (to > from)
        uvmunmap(pt, from, (to - from) / PAGE_SIZE, 1);
    return newsz;
}

/* Map [start, end) of the image in place (same frames as the load image). */
static int map_in_place(pagetable_t pt, uint64 start, uint64 end, uint64 load_va, uint64 perm)
{
    if (end <= start)
        return 0;
    return mappages(pt, start, virt_to_phys(load_va), end - start, perm);
}

/* Give [start, end) fresh pages, copying the first copy_bytes from src. */
static int map_private(pagetable_t pt, uint64 start, uint64 end, const char *src, uint64 copy_bytes)
{
    if (uvmalloc(pt, start, end, PTE_RW) != end && end > start)
        return -MM_ENOMEM;
    for (uint64 off = 0; off < copy_bytes; off += PAGE_SIZE)
        page_copy((void *)phys_to_virt(walkaddr(pt, start + off)), src + off);
    return 0;
}

uint64 uvm_boot_image(pagetable_t pt)
{
    uint64 text = (uint64)__app_start, text_end = (uint64)__app_text_end;
    uint64 ro_end = (uint64)__app_rodata_end, data = (uint64)__app_data_start;
    uint64 data_end = (uint64)__app_data_end, end = (uint64)__app_end;
    uint64 load = (uint64)__app_load;

    if (map_in_place(pt, text, text_end, load, PTE_RX) != 0 ||
        map_in_place(pt, text_end, ro_end, load + (text_end - text), PTE_RONLY) != 0 ||
        map_private(pt, data, data_end, __app_data_load, data_end - data) != 0 ||
        map_private(pt, data_end, end, NULL, 0) != 0)
        return 0;
    if (uvmalloc(pt, APP_STACK_TOP - APP_STACK_BYTES, APP_STACK_TOP, PTE_RW) == 0)
        return 0;
    heap_start = heap_brk = end;
    return APP_STACK_TOP;
}

uint64 uvm_heap_start(void)
{
    return heap_start;
}

uint64 uvm_brk(void)
{
    return heap_brk;
}

int64_t uvm_set_brk(uint64 new_brk)
{
    if (new_brk < heap_start || new_brk > APP_STACK_GUARD)
        return -MM_ENOMEM;
    if (PGROUNDUP(new_brk) > PGROUNDUP(heap_brk)) {
        if (uvmalloc(current_pt, heap_brk, new_brk, PTE_RW) == 0)
            return -MM_ENOMEM;
    } else {
        uvmdealloc(current_pt, heap_brk, new_brk);
    }
    heap_brk = new_brk;
    return (int64_t)heap_brk;
}
