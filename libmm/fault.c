/* libmm's page-fault decisions.  Until demand paging lands every mapped page
 * is present, so a fault is always a violation; this file names it for the
 * report from the app's known regions. */
#include <arch/layout.h>

#include <mm/errno.h>
#include <mm/fault.h>
#include <mm/uvm.h>

struct region {
    uint64      start, end;
    const char *name, *perms;
};

/* Fill *r with the region of the app's address space holding addr; 0 if none. */
static int find_region(uint64 addr, struct region *r)
{
    const struct region regions[] = {
        { (uint64)__app_start, (uint64)__app_text_end, "app text", "r-x" },
        { (uint64)__app_text_end, (uint64)__app_rodata_end, "app rodata", "r--" },
        { (uint64)__app_data_start, (uint64)__app_end, "app data+bss", "rw-" },
        { uvm_heap_start(), PGROUNDUP(uvm_brk()), "heap", "rw-" },
        { APP_STACK_TOP - APP_STACK_BYTES, APP_STACK_TOP, "main stack", "rw-" },
    };
    for (unsigned i = 0; i < sizeof regions / sizeof regions[0]; i++) {
        if (addr >= regions[i].start && addr < regions[i].end) {
            *r = regions[i];
            return 1;
        }
    }
    return 0;
}

static const char *violation(uint64 addr, unsigned access, int in_region)
{
    if (addr < NULL_GUARD_END)
        return "NULL pointer dereference";
    if (addr >= APP_STACK_GUARD && addr < APP_STACK_GUARD + PAGE_SIZE)
        return "stack overflow (guard page)";
    if (!in_region)
        return addr >= USER_END ? "access to a libOS address" : "access to unmapped memory";
    if (access & FAULT_WRITE)
        return "write to read-only memory";
    if (access & FAULT_EXEC)
        return "execute of non-executable memory";
    return "access denied";
}

int mm_fault(uint64 addr, unsigned access, struct fault_info *info)
{
    struct region r;
    int found = find_region(addr, &r);
    info->kind = violation(addr, access, found);
    info->has_region = found;
    if (found) {
        info->region_start = r.start;
        info->region_end = r.end;
        info->region_name = r.name;
        info->region_perms = r.perms;
    }
    return -MM_EFAULT;
}
