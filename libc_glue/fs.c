/* The in-RAM file system's objects (fs.h): inodes, directory entries, and
 * each regular file's page cache -- a radix tree of frames whose height grows
 * with the file (a one-page file is its frame alone) -- and the copies
 * between the cache and the app's buffers. */
#include <errno.h>
#include <sys/stat.h>

#include <mm/filemap.h>
#include <mm/fault.h>
#include <mm/kalloc.h>
#include <mm/page.h>

#include "fs.h"
#include "glue_mem.h"
#include "user.h"

#define RADIX_SLOTS     (1u << FS_RADIX_BITS)
#define RADIX_MASK      (RADIX_SLOTS - 1)
#define PAGE_BYTES      4096u

struct inode *fs_root;
static uint64_t next_ino = 1;       /* / is 1, as on tmpfs */

/* ---- inodes --------------------------------------------------------------- */

/* Contract in fs.h. */
struct inode *fs_inode_new(uint32_t mode)
{
    struct inode *ino = kzalloc(sizeof *ino);
    if (!ino)
        return NULL;
    ino->mode = mode;
    ino->ino = next_ino++;
    ino->atime = ino->mtime = ino->ctime = glue_realtime();
    return ino;
}

/* Contract in fs.h. */
int fs_init(void)
{
    fs_root = fs_inode_new(S_IFDIR | 0755);
    if (!fs_root)
        return -ENOMEM;
    fs_root->parent = fs_root;
    fs_root->nlink = 2;
    fs_root->refs = 1;          /* the root is never freed */
    return 0;
}

/* Contract in fs.h. */
void fs_touch(struct inode *ino, unsigned which)
{
    struct timespec now = glue_realtime();
    if (which & FS_ATIME)
        ino->atime = now;
    if (which & FS_MTIME)
        ino->mtime = now;
    if (which & FS_CTIME)
        ino->ctime = now;
}

/* Free the radix subtree under slot at height (0: slot is a frame). */
static void radix_free(void *slot, unsigned height)
{
    if (!slot)
        return;
    if (height == 0) {
        page_put(slot);
        return;
    }
    void **node = slot;
    for (unsigned i = 0; i < RADIX_SLOTS; i++)
        radix_free(node[i], height - 1);
    page_free(node, 0);
}

/* Free ino and its pages (no name and no reference left); a removed
 * directory lets its old parent go. */
static void inode_free(struct inode *ino)
{
    struct inode *parent = fs_is_dir(ino) ? ino->parent : NULL;
    radix_free(ino->radix, ino->height);
    kfree(ino);
    if (parent)
        fs_inode_release(parent);
}

/* Contract in fs.h. */
void fs_inode_hold(struct inode *ino)
{
    ino->refs++;
}

/* Contract in fs.h. */
void fs_inode_release(struct inode *ino)
{
    if (--ino->refs == 0 && ino->nlink == 0)
        inode_free(ino);
}

/* Free dir's subtree: every entry's inode loses its name; those with no
 * reference left go. */
static void release_tree(struct inode *dir)
{
    for (struct dentry *d = dir->first, *next; d; d = next) {
        next = d->next;
        struct inode *ino = d->inode;
        if (fs_is_dir(ino))
            release_tree(ino);
        ino->nlink = 0;
        ino->parent = NULL;     /* the whole tree goes: no reference to give back */
        if (ino->refs == 0)
            inode_free(ino);
        kfree(d);
    }
    dir->first = dir->last = NULL;
}

/* Contract in fs.h.  What still holds a reference at this point (a
 * descriptor of a process the end of the run did not close) is freed with
 * the rest: nothing runs afterwards. */
void fs_release_all(void)
{
    if (!fs_root)
        return;
    release_tree(fs_root);
    fs_root->parent = NULL;
    inode_free(fs_root);
    fs_root = NULL;
}

/* ---- directories ---------------------------------------------------------- */

/* Contract in fs.h. */
struct dentry *fs_dir_find(struct inode *dir, const char *name, size_t len, struct dentry **prev)
{
    struct dentry *before = NULL;
    for (struct dentry *d = dir->first; d; before = d, d = d->next) {
        if (d->len == len && glue_memeq(d->name, name, len)) {
            if (prev)
                *prev = before;
            return d;
        }
    }
    return NULL;
}

/* Contract in fs.h. */
int fs_dir_add(struct inode *dir, const char *name, size_t len, struct inode *ino)
{
    struct dentry *d = kalloc(sizeof *d + len + 1);
    if (!d)
        return -ENOSPC;
    d->next = NULL;
    d->inode = ino;
    d->len = len;
    glue_memcpy(d->name, name, len);
    d->name[len] = '\0';
    if (dir->last)
        dir->last->next = d;
    else
        dir->first = d;
    dir->last = d;
    dir->version++;
    ino->nlink++;
    if (fs_is_dir(ino)) {
        ino->nlink++;           /* its own "." */
        ino->parent = dir;
        dir->nlink++;           /* its ".." */
    }
    fs_touch(dir, FS_MTIME | FS_CTIME);
    return 0;
}

/* ino has lost its name in dir: a directory (empty) its "." and its ".."
 * in dir too -- though ".." still leads to dir, which it holds, as on Linux
 * (a process inside it can still go up); with no name and no reference
 * left it goes. */
static void unname(struct inode *dir, struct inode *ino)
{
    fs_touch(ino, FS_CTIME);
    if (fs_is_dir(ino)) {
        dir->nlink--;
        ino->nlink = 0;
        fs_inode_hold(dir);
    } else {
        ino->nlink--;
    }
    if (ino->nlink == 0 && ino->refs == 0)
        inode_free(ino);
}

/* Contract in fs.h. */
void fs_dir_remove(struct inode *dir, struct dentry *d, struct dentry *prev)
{
    struct inode *ino = d->inode;
    if (prev)
        prev->next = d->next;
    else
        dir->first = d->next;
    if (dir->last == d)
        dir->last = prev;
    dir->version++;
    kfree(d);
    fs_touch(dir, FS_MTIME | FS_CTIME);
    unname(dir, ino);
}

/* Contract in fs.h.  The new name's entry is made first (the only thing
 * that can fail); then the old entry goes and a replaced inode loses its
 * name. */
int fs_dir_move(struct inode *odir, const char *oname, size_t olen,
                struct inode *ndir, const char *nname, size_t nlen)
{
    struct dentry *oprev = NULL, *nprev = NULL;
    struct dentry *od = fs_dir_find(odir, oname, olen, &oprev);
    struct dentry *nd = fs_dir_find(ndir, nname, nlen, &nprev);
    struct inode *ino = od->inode, *victim = nd ? nd->inode : NULL;
    if (!nd) {
        nd = kalloc(sizeof *nd + nlen + 1);
        if (!nd)
            return -ENOSPC;
        nd->next = NULL;
        nd->len = nlen;
        glue_memcpy(nd->name, nname, nlen);
        nd->name[nlen] = '\0';
        if (ndir->last)
            ndir->last->next = nd;
        else
            ndir->first = nd;
        ndir->last = nd;
    }
    nd->inode = ino;
    if (oprev)                      /* unlink the old entry */
        oprev->next = od->next;
    else
        odir->first = od->next;
    if (odir->last == od)
        odir->last = oprev;
    kfree(od);
    if (fs_is_dir(ino) && odir != ndir) {
        odir->nlink--;
        ndir->nlink++;
        ino->parent = ndir;
    }
    odir->version++;
    ndir->version++;
    fs_touch(odir, FS_MTIME | FS_CTIME);
    fs_touch(ndir, FS_MTIME | FS_CTIME);
    fs_touch(ino, FS_CTIME);
    if (victim)
        unname(ndir, victim);
    return 0;
}

/* ---- the page cache ------------------------------------------------------- */

/* Pages the radix of height covers. */
static uint64_t radix_span(unsigned height)
{
    return UINT64_C(1) << (FS_RADIX_BITS * height);
}

/* The slot of page pgoff in ino's radix, growing the tree and making the
 * nodes on the way when make; NULL when absent (or out of memory). */
static void **radix_slot(struct inode *ino, uint64_t pgoff, bool make)
{
    while (pgoff >= radix_span(ino->height)) {
        if (!make)
            return NULL;
        if (!ino->radix) {      /* an empty tree simply starts taller */
            ino->height++;
            continue;
        }
        void **node = page_zalloc(0);
        if (!node)
            return NULL;
        node[0] = ino->radix;
        ino->radix = node;
        ino->height++;
    }
    void **slot = &ino->radix;
    for (unsigned h = ino->height; h > 0; h--) {
        if (!*slot) {
            if (!make || !(*slot = page_zalloc(0)))
                return NULL;
        }
        slot = &((void **)*slot)[(pgoff >> (FS_RADIX_BITS * (h - 1))) & RADIX_MASK];
    }
    return slot;
}

/* Contract in fs.h. */
void *fs_page_find(struct inode *ino, uint64_t pgoff)
{
    void **slot = radix_slot(ino, pgoff, false);
    return slot ? *slot : NULL;
}

/* Contract in fs.h. */
int fs_page_insert(struct inode *ino, uint64_t pgoff, void *frame)
{
    void **slot = radix_slot(ino, pgoff, true);
    if (!slot)
        return -ENOSPC;
    *slot = frame;
    ino->pages++;
    return 0;
}

/* Contract in fs.h. */
void *fs_page_make(struct inode *ino, uint64_t pgoff)
{
    void **slot = radix_slot(ino, pgoff, true);
    if (!slot)
        return NULL;
    if (!*slot) {
        if (!(*slot = page_zalloc(0)))
            return NULL;
        ino->pages++;
    }
    return *slot;
}

/* Drop the cache's pages [from, to) under slot (at height, covering pages
 * from base); a node left empty is freed (*slot NULL).  Returns the frames
 * dropped. */
static uint64_t radix_drop(void **slot, unsigned height, uint64_t base, uint64_t from, uint64_t to)
{
    uint64_t span = radix_span(height), dropped = 0;
    if (!*slot || to <= base || from >= base + span)
        return 0;
    if (height == 0) {
        page_put(*slot);
        *slot = NULL;
        return 1;
    }
    void **node = *slot;
    bool empty = true;
    uint64_t child = span >> FS_RADIX_BITS;
    for (unsigned i = 0; i < RADIX_SLOTS; i++) {
        dropped += radix_drop(&node[i], height - 1, base + i * child, from, to);
        empty = empty && !node[i];
    }
    if (empty) {
        page_free(node, 0);
        *slot = NULL;
    }
    return dropped;
}

/* Drop pages [from, to) of ino's cache, unmapping them everywhere first. */
static void drop_pages(struct inode *ino, uint64_t from, uint64_t to)
{
    if (from >= to || !ino->pages)
        return;
    mm_file_unmap(ino, from, to);
    ino->pages -= radix_drop(&ino->radix, ino->height, 0, from, to);
    if (!ino->radix)
        ino->height = 0;
}

/* Contract in fs.h. */
void fs_punch(struct inode *ino, uint64_t from, uint64_t to)
{
    drop_pages(ino, from, to);
}

/* Contract in fs.h. */
int fs_set_size(struct inode *ino, uint64_t size)
{
    if (size > FS_MAX_BYTES)
        return -EFBIG;
    if (size < ino->size) {
        uint64_t keep = (size + PAGE_BYTES - 1) / PAGE_BYTES;
        drop_pages(ino, keep, FS_MAX_PAGES);
        char *tail = size % PAGE_BYTES ? fs_page_find(ino, size / PAGE_BYTES) : NULL;
        if (tail)           /* the bytes past the end read as zeros if it grows again */
            glue_memset(tail + size % PAGE_BYTES, 0, PAGE_BYTES - size % PAGE_BYTES);
    }
    ino->size = size;
    return 0;
}

/* ---- read and write ------------------------------------------------------- */

/* Contract in fs.h. */
long fs_read(struct inode *ino, void *ubuf, size_t len, uint64_t off)
{
    size_t done = 0;
    if (off >= ino->size)
        return 0;
    if (len > ino->size - off)
        len = ino->size - off;
    while (done < len) {
        uint64_t at = off + done, in_page = at % PAGE_BYTES;
        size_t n = PAGE_BYTES - in_page < len - done ? PAGE_BYTES - in_page : len - done;
        const char *frame = fs_page_find(ino, at / PAGE_BYTES);
        const char *src = frame ? frame + in_page : (const char *)mm_zero_page();   /* a hole */
        if (user_write((char *)ubuf + done, src, n) < 0)
            return done ? (long)done : -EFAULT;
        done += n;
    }
    return (long)done;
}

/* Contract in fs.h. */
long fs_write(struct inode *ino, const void *ubuf, size_t len, uint64_t off)
{
    size_t done = 0;
    if (off >= FS_MAX_BYTES)
        return len ? -EFBIG : 0;
    if (len > FS_MAX_BYTES - off)
        len = FS_MAX_BYTES - off;
    while (done < len) {
        uint64_t at = off + done, in_page = at % PAGE_BYTES;
        size_t n = PAGE_BYTES - in_page < len - done ? PAGE_BYTES - in_page : len - done;
        char *frame = fs_page_make(ino, at / PAGE_BYTES);
        if (!frame)
            return done ? (long)done : -ENOSPC;
        if (user_read(frame + in_page, (const char *)ubuf + done, n) < 0) {
            if (at + n > ino->size) {       /* what part of it came stays past the end: zero it */
                uint64_t from = at > ino->size ? in_page : ino->size % PAGE_BYTES;
                glue_memset(frame + from, 0, in_page + n - from);
            }
            return done ? (long)done : -EFAULT;
        }
        done += n;
        if (at + n > ino->size)
            ino->size = at + n;
    }
    return (long)done;
}
