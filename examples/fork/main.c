/* Copy-on-write fork, watched from inside: the page-table leaves behind a
 * buffer before fork, in the child before and after its first write, and in
 * the parent afterwards; a MAP_SHARED page beside it stays one page.
 * Run: scons app=examples/fork run
 *
 * What to look for: after fork both processes map the same frames (the
 * same pa), read-only, each frame with 2 references; the first write in
 * the child gives it a copy (a new pa, writable, 1 reference); once the
 * child is gone the parent's next write keeps its frame (reuse: it is the
 * only user).  The MAP_SHARED page is writable in both, same frame, all
 * along. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <arch/mmu.h>
#include <mm/page.h>
#include <mm/uvm.h>
#include <mm/vm.h>

#define PG 4096UL

/* One line per page of [p, p + pages): its frame, whether the leaf allows
 * writes now, and how many mappings share the frame. */
static void leaves(const char *who, const char *what, const char *p, int pages)
{
    for (int i = 0; i < pages; i++) {
        uint64 va = (uint64)p + i * PG;
        pte_t *pte = walk(uvm_current(), va, 0);
        uint64 pa = walkaddr(uvm_current(), va);
        printf("  %-7s %-7s page %d: pa %#lx %s refs %u\n", who, what, i, (unsigned long)pa,
               pte && (*pte & PTE_W) ? "writable " : "read-only", page_refcount((void *)phys_to_virt(pa)));
    }
}

int main(void)
{
    char *buf = mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *shared = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    memset(buf, 'p', 3 * PG);
    strcpy(shared, "written by the parent");

    printf("The parent's mappings (mm_print_vmas):\n");
    mm_print_vmas();
    printf("Before fork:\n");
    leaves("parent", "private", buf, 3);
    leaves("parent", "shared", shared, 1);
    fflush(stdout);

    pid_t child = fork();
    if (child == 0) {
        printf("In the child, right after fork (nothing copied yet):\n");
        leaves("child", "private", buf, 3);
        leaves("child", "shared", shared, 1);
        buf[0] = 'c';                           /* the write fault copies page 0 */
        strcpy(shared, "written by the child");
        printf("In the child, after writing page 0 and the shared page:\n");
        leaves("child", "private", buf, 3);
        leaves("child", "shared", shared, 1);
        exit(0);
    }
    waitpid(child, NULL, 0);
    printf("In the parent, the child gone (its page 0 was its own):\n");
    leaves("parent", "private", buf, 3);
    printf("  buf[0] is still '%c'; the shared page says \"%s\"\n", buf[0], shared);
    buf[0] = 'P';                               /* only user left: the frame is reused */
    printf("In the parent, after writing page 0 (same frame, writable again):\n");
    leaves("parent", "private", buf, 1);
    return 0;
}
