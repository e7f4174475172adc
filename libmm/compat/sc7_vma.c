/* SC7's VMA list, process view and mmap/munmap (<mm/compat/sc7.h>) over
 * the running address space: libmm's mmap, munmap and stacks do the
 * mapping, the list records it. */
#define MM_COMPAT_NO_RENAME
#include <mm/compat/sc7.h>

static struct proc running;     /* myproc()'s view (one hart, one view) */

/* Contract in mm/compat/sc7.h. */
struct proc *myproc(void)
{
    running.pagetable = uvm_current();
    return &running;
}

/* A new node of type for [addr, addr + size); NULL when out of memory. */
static struct vma *node_new(enum segtype type, uint64 addr, uint64 size, int perm)
{
    struct vma *v = kzalloc(sizeof *v);
    if (v) {
        v->type = type;
        v->perm = perm;
        v->addr = addr;
        v->size = size;
        v->end = addr + size;
        v->fd = -1;
        v->prev = v->next = v;
    }
    return v;
}

/* Put v into head's list before the first node that starts above it. */
static void node_insert(struct vma *head, struct vma *v)
{
    struct vma *at = head->next;
    while (at != head && at->addr <= v->addr)
        at = at->next;
    v->next = at;
    v->prev = at->prev;
    at->prev->next = v;
    at->prev = v;
}

static void node_remove(struct vma *v)
{
    v->prev->next = v->next;
    v->next->prev = v->prev;
    kfree(v);
}

/* Contract in mm/compat/sc7.h. */
struct vma *vma_init(struct proc *p)
{
    struct vma *head = node_new(NONE, 0, 0, 0);
    if (!head)
        return NULL;
    p->vma = head;
    if (!alloc_mmap_vma(p, 0, USER_MMAP_START, 0, 0, 0, 0)) {
        kfree(head);
        p->vma = NULL;
        return NULL;
    }
    return head;
}

/* Contract in mm/compat/sc7.h. */
struct vma *alloc_mmap_vma(struct proc *p, int flags, uint64 start, uint64 len, int perm, int fd,
                           uint64 offset)
{
    if (!p->vma)
        return NULL;
    struct vma *v = node_new(MMAP, start, PGROUNDUP(len), perm);
    if (!v || len == 0) {
        if (v)
            node_insert(p->vma, v);
        return v;
    }
    int mflags = flags | ((flags & MM_MAP_TYPE) ? 0 : MM_MAP_PRIVATE) | (fd == -1 ? MM_MAP_ANONYMOUS : 0);
    int64_t at = mm_mmap(start, len, sc7_perm_to_prot(perm), mflags, fd, (int64_t)offset);
    if (at < 0) {
        kfree(v);
        return NULL;
    }
    v->addr = (uint64)at;
    v->end = v->addr + v->size;
    v->flags = flags;
    v->fd = fd;
    v->f_off = offset;
    node_insert(p->vma, v);
    return v;
}

/* Contract in mm/compat/sc7.h. */
uint64 alloc_vma_stack(struct proc *p)
{
    uint64 span = SC7_STACK_BYTES + PAGE_SIZE;
    int perm = get_mmapperms(MM_PROT_READ | MM_PROT_WRITE);
    struct vma *v = p->vma ? node_new(STACK, 0, SC7_STACK_BYTES, perm) : NULL;
    if (!v)
        return 0;
    /* Find a place for guard + stack, then put the stack there. */
    int64_t at = mm_mmap(0, span, MM_PROT_NONE, MM_MAP_PRIVATE | MM_MAP_ANONYMOUS, -1, 0);
    if (at < 0 || mm_munmap((uint64)at, span) != 0 ||
        mm_map_stack(p->pagetable, (uint64)at + span, SC7_STACK_BYTES) != 0) {
        kfree(v);
        return 0;
    }
    v->addr = (uint64)at + PAGE_SIZE;
    v->end = v->addr + v->size;
    v->flags = MM_MAP_PRIVATE | MM_MAP_ANONYMOUS | MM_MAP_STACK;
    node_insert(p->vma, v);
    return v->end;
}

/* Contract in mm/compat/sc7.h. */
int free_vma_list(struct proc *p)
{
    struct vma *head = p->vma;
    int first_err = 0;
    if (!head)
        return 0;
    while (head->next != head) {
        struct vma *v = head->next;
        int err = v->size ? mm_munmap(v->type == STACK ? v->addr - PAGE_SIZE : v->addr,
                                      v->end - v->addr + (v->type == STACK ? PAGE_SIZE : 0)) : 0;
        if (err && !first_err)
            first_err = err;
        node_remove(v);
    }
    kfree(head);
    p->vma = NULL;
    return first_err;
}

/* Cut v to what [start, end) leaves of it; spare (or NULL when not needed)
 * becomes the upper part of a node cut in the middle.  Returns whether
 * spare was used. */
static int cut_node(struct vma *v, uint64 start, uint64 end, struct vma *spare)
{
    if (start <= v->addr && end >= v->end) {
        node_remove(v);
        return 0;
    }
    if (start > v->addr && end < v->end) {
        *spare = *v;
        spare->f_off += end - v->addr;
        spare->addr = end;
        spare->size = spare->end - end;
        spare->prev = v;
        spare->next = v->next;
        v->next->prev = spare;
        v->next = spare;
        v->end = start;
        v->size = start - v->addr;
        return 1;
    }
    if (start <= v->addr) {
        v->f_off += end - v->addr;
        v->addr = end;
    } else {
        v->end = start;
    }
    v->size = v->end - v->addr;
    return 0;
}

/* Contract in mm/compat/sc7.h. */
int free_vma(struct proc *p, uint64 start, uint64 end)
{
    struct vma *head = p->vma;
    if (!head || end <= start || ((start | end) & PAGE_MASK))
        return -MM_EINVAL;
    struct vma *spare = kzalloc(sizeof *spare);
    if (!spare)
        return -MM_ENOMEM;
    int err = mm_munmap(start, end - start);
    for (struct vma *v = head->next, *next; !err && v != head; v = next) {
        next = v->next;
        if (v->size && v->addr < end && v->end > start && cut_node(v, start, end, spare))
            spare = NULL;
    }
    kfree(spare);
    return err;
}

/* Contract in mm/compat/sc7.h. */
uint64 sc7_mmap(uint64 start, int64_t len, int prot, int flags, int fd, int offset)
{
    struct proc *p = myproc();
    if ((!p->vma && !vma_init(p)) || len <= 0)
        return (uint64)-1;
    struct vma *v = alloc_mmap_vma(p, flags, start, (uint64)len, get_mmapperms(prot), fd, (uint64)offset);
    return v ? v->addr : (uint64)-1;
}

/* Contract in mm/compat/sc7.h. */
int sc7_munmap(uint64 start, int len)
{
    if (len <= 0)
        return -1;
    return free_vma(myproc(), start, start + PGROUNDUP((uint64)len)) == 0 ? 0 : -1;
}
