/* The boot sequence, top to bottom: what starts in which order.  entry.S
 * calls capsule_main; libarch's early init (trap vector, boot information,
 * console), then libmm, which registers with libarch, then the file system
 * (filled from the boot archive), the app's address space, the first
 * process around it and the app (start.c).  The one place, like xv6's main(), where the
 * layers meet: libarch calls up only into capsule_main and through the hooks
 * registered here. */
#include <arch/boot.h>
#include <arch/bootinfo.h>
#include <arch/console.h>
#include <arch/csr.h>
#include <arch/exit.h>
#include <arch/mmu.h>
#include <arch/timer.h>
#include <arch/trap.h>
#include <capsule/boot.h>
#include <capsule/measure.h>
#include <mm/fault.h>
#include <mm/kalloc.h>
#include <mm/kvm.h>
#include <mm/mmap.h>
#include <mm/page.h>
#include <mm/page_init.h>
#include <mm/space.h>
#include <mm/uvm.h>

#include "fs.h"
#include "glue.h"
#include "proc.h"

/* Written once by capsule_main; read-only afterwards. */
static uint64_t mm_init_instret;
/* Free frames just before the files and the app's address space were built
 * (caches drained), and the frames managed then: the end of the run must
 * find as many free again, plus the boot archive's frames the files took
 * over (page_adopt counts them as managed). */
static uint64_t frames_before_app, frames_total_before_app;
/* rdinstret just before the app's address space was built: under icount
 * the end of the run prints the app's part (its start, run and end) apart. */
static uint64_t instret_before_app;

/* Set once by the boot option capsule.icount (start.c): the runner started
 * QEMU under -icount shift=0, so rdinstret is exact and the end of the run
 * prints it. */
static int icount_on;

/* Contract in glue.h. */
void capsule_set_icount(void)
{
    icount_on = 1;
}

/* Contract in glue.h. */
int capsule_icount_on(void)
{
    return icount_on;
}

/* How libarch's traps reach the layers above: page faults and what a
 * report may read (libmm: mm_fault calls store_page_fault_handler for a
 * store, page_unmap_handler for a load or fetch), ending a process and
 * naming it (process.c). */
static struct arch_hooks hooks = {
    .fault    = mm_fault,
    .readable = mm_report_readable,
};

/* Contract in glue.h. */
uint64_t capsule_mm_init_instret_value(void)
{
    return mm_init_instret;
}

/* Physical memory, the kernel table, and this hart on it. */
static void mm_start(void)
{
    uint64_t start = rdinstret();
    kinit();
    kvminit();
    mm_init_instret = rdinstret() - start;
    kvminithart();
    mm_zero_page();     /* kept for good: made before the frames are counted */
}

/* Build the app's address space, switch to it and return its initial stack
 * pointer. */
static uint64_t app_space_start(void)
{
    pagetable_t pt = uvmmake(0);
    uint64_t sp = pt ? uvm_boot_image(pt) : 0;
    if (!sp)
        panic("boot: out of memory while mapping the app image");
    arch_write_satp(MAKE_SATP(virt_to_phys((uint64_t)pt)));
    arch_sfence_vma_all();
    return sp;
}

/* One libOS timer event is always queued, so that a wfi the app executes
 * with nothing of its own armed -- or after it clobbered stimecmp -- still
 * wakes, and the app resumes instead of hanging the machine. */
#define KEEPALIVE_NS    (100 * 1000 * 1000ull)
static struct timer_event keepalive;
static uint64_t keepalive_ticks;        /* KEEPALIVE_NS in ticks: set once at boot */

static void keepalive_fire(struct timer_event *ev, struct trapframe *tf)
{
    (void)tf;
    ev->deadline = timer_now() + keepalive_ticks;
    timer_add(ev);
}

/* Free frames with every cache given back. */
static uint64_t frames_free_drained(void)
{
    kalloc_drain();
    page_drain_caches();
    return page_free_count();
}

/* The end of a run, on the boot stack: in debug builds, free the app's
 * address space whole and say so when frames did not come back (tests look
 * for the line); under icount, the app's instruction count (from the start
 * of its address space) and the whole run's; then the status to the host. */
static void finish(uint64_t status, uint64_t unused)
{
    (void)unused;
    arch_irq_save();    /* no interrupt from here on: the app's space is about to go */
    fs_out_write();
    proc_kstack_free(proc_current);     /* off it for good: on the boot stack */
#ifdef CAPSULE_DEBUG
    uvm_release_current();
    fs_release_all();
    uint64_t now = frames_free_drained();
    uint64_t expected = frames_before_app + (page_total_count() - frames_total_before_app);
    if (now != expected)
        kprintf("capsule: leak: %ld frames not returned when the app ended (%lu free, %lu before it)\n",
                (long)(expected - now), (unsigned long)now, (unsigned long)expected);
#endif
    if (icount_on) {
        uint64_t now = rdinstret();
        kprintf("capsule: app %lu instructions\n", (unsigned long)(now - instret_before_app));
        kprintf("capsule: %lu instructions\n", (unsigned long)now);
    }
    arch_exit((int)status);
}

/* The wall clock (the files' times), then the file system: its root, its
 * operations for mmap, and what the boot archive (files=DIR) holds. */
static void files_start(void)
{
    time_init();
    if (fs_init() != 0)
        panic("boot: out of memory for the file system");
    fs_map_register();
    fs_load_boot_archive();
}

/* Contract in glue.h. */
void capsule_exit(int status)
{
    arch_finish_on_boot_stack(finish, (uint64_t)(unsigned)status);
}

#define OPTION_PREFIX       "capsule."
#define OPTION_STDIN_PIPE   "capsule.stdin=pipe"
#define OPTION_ICOUNT       "capsule.icount"
#define OPTION_OUT          "capsule.out="
#define OPTION_OUT_LEN      (sizeof OPTION_OUT - 1)

/* The length of the word at s (up to a space, a tab or the end). */
static size_t word_len(const char *s, const char *end)
{
    size_t n = 0;
    while (s + n < end && s[n] != ' ' && s[n] != '\t')
        n++;
    return n;
}

static int word_is(const char *w, size_t n, const char *option)
{
    size_t i = 0;
    while (i < n && option[i] && w[i] == option[i])
        i++;
    return i == n && option[i] == '\0';
}

/* The boot options the libOS acts on (the app's start, wrap/start.c, reads
 * the same line for argv and the environment): when the words before a
 * "--" all start with "capsule.", capsule.stdin=pipe sets stdin's mode
 * (else a terminal), capsule.icount says QEMU counts exactly and
 * capsule.out=HOST_PATH names the host file /out goes to (fs_out.c). */
static void boot_options(const char *line, size_t len)
{
    const char *end = line + len, *w = line, *out = NULL;
    int piped = 0, icount = 0;
    size_t out_len = 0;
    for (;;) {
        while (w < end && (*w == ' ' || *w == '\t'))
            w++;
        size_t n = word_len(w, end);
        if (n == 0 || !(word_is(w, n, "--") || (n >= 8 && word_is(w, 8, OPTION_PREFIX)))) {
            piped = icount = 0;     /* no option part */
            out = NULL;
            break;
        }
        if (word_is(w, n, "--"))
            break;
        piped |= word_is(w, n, OPTION_STDIN_PIPE);
        icount |= word_is(w, n, OPTION_ICOUNT);
        if (n > OPTION_OUT_LEN && word_is(w, OPTION_OUT_LEN, OPTION_OUT)) {
            out = w + OPTION_OUT_LEN;
            out_len = n - OPTION_OUT_LEN;
        }
        w += n;
    }
    if (icount)
        capsule_set_icount();
    if (out)
        fs_out_set(out, out_len);
    console_tty_start(piped);
}

/* A NUL-terminated copy of the boot line in the app's memory (its own
 * mapping, so the app's heap starts empty), for the app's start; 0 when out
 * of memory. */
static uint64_t boot_line_copy(void)
{
    const struct boot_info *bi = arch_boot_info();
    int64_t va = mm_mmap(0, bi->bootargs_len + 1, MM_PROT_READ | MM_PROT_WRITE,
                         MM_MAP_PRIVATE | MM_MAP_ANONYMOUS, -1, 0);
    if (va < 0 || copyout(uvm_current(), (uint64)va, (void *)bi->bootargs, bi->bootargs_len) < 0)
        return 0;
    return (uint64_t)va;        /* the NUL: the mapping's fresh zeroes */
}

/* Defined on the app side (wrap/start.c): argv, environ, main, exit. */
void capsule_start(uint64_t line_va, uint64_t unused) __attribute__((noreturn));

/* Contract in arch/boot.h. */
void capsule_main(uint64_t hartid, uint64_t dtb_pa)
{
    arch_early_init(hartid, dtb_pa);
    mm_start();
    process_hooks(&hooks);
    arch_register_hooks(&hooks);
    frames_before_app = frames_free_drained();
    frames_total_before_app = page_total_count();
    files_start();
    instret_before_app = rdinstret();
    uint64_t sp = app_space_start();
    proc_start(mm_current());
    page_failalloc_start();
    console_input_start();
    keepalive_ticks = timer_ns_to_ticks(KEEPALIVE_NS);
    keepalive.fn = keepalive_fire;
    keepalive_fire(&keepalive, NULL);
    const struct boot_info *bi = arch_boot_info();
    boot_options(bi->bootargs, bi->bootargs_len);
    uint64_t line = boot_line_copy();
    arch_interrupts_on();
    arch_enter_app(capsule_start, sp, line, 0, (uint64_t)proc_current->kstack + KSTACK_BYTES);
}
