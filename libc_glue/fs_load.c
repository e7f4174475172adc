/* Filling the file system at boot from the archive the runner built from
 * files=DIR (docs/files.md): a cpio "newc" archive, loaded by QEMU as the
 * initrd (boot=elf) or carried in the firmware image (boot=fw), and
 * described by arch_boot_info()->initrd.
 *
 * The runner writes every regular file's data at a page boundary of the
 * archive (padding entries before it: directory entries for "." under
 * longer names), so a file's pages are the archive's own frames: each is
 * adopted (page_adopt) into the file's page cache where it lies, without a
 * copy.  The tail of a file's last page, which holds the next headers, is
 * zeroed once they are read; the frames no file keeps (headers, padding,
 * the trailer) go to the allocator.  Data that is not page-aligned (an
 * archive made by other tools) is copied instead. */
#include <stdbool.h>
#include <sys/stat.h>

#include <arch/bootinfo.h>
#include <arch/console.h>
#include <mm/page.h>

#include "fs.h"
#include "glue_mem.h"

#define NEWC_MAGIC      "070701"
#define NEWC_HEADER     110                 /* 6 bytes of magic, 13 fields of 8 hex digits */
#define NEWC_FIELD(i)   (6 + 8 * (i))
#define F_MODE          1
#define F_MTIME         5
#define F_FILESIZE      6
#define F_NAMESIZE      11
#define NEWC_TRAILER    "TRAILER!!!"
#define PAGE_BYTES      4096u

/* The archive being read: [base, base + size) of physical memory, seen
 * through the direct map at va. */
struct archive {
    uint64_t    pa, size;
    const char *va;
    uint64_t    pos;        /* offset of the next header */
    uint64_t    kept_end;   /* pages below it (offsets) are settled: kept by a file or freed */
    struct inode *tail_file;    /* the file whose last page holds the next headers */
};

static __attribute__((noreturn)) void bad_archive(const struct archive *a, const char *why)
{
    panic("boot: the files archive at offset %lu: %s (make it with scons files=DIR)",
          (unsigned long)a->pos, why);
}

/* Field i of the header at h (8 hex digits). */
static uint64_t newc_field(const struct archive *a, const char *h, int i)
{
    uint64_t v = 0;
    for (int k = 0; k < 8; k++) {
        char c = h[NEWC_FIELD(i) + k];
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
              : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (d < 0)
            bad_archive(a, "a header field is not hexadecimal");
        v = v << 4 | (uint64_t)d;
    }
    return v;
}

static uint64_t align4(uint64_t x)
{
    return (x + 3) & ~UINT64_C(3);
}

/* The archive's frames in [kept_end, to) (offsets, page-aligned) hold no
 * file's data: give them to the allocator. */
static void free_frames(struct archive *a, uint64_t to)
{
    for (uint64_t off = a->kept_end; off < to; off += PAGE_BYTES) {
        void *frame = (void *)(a->va + off);
        if (page_adopt(frame) == 0)
            page_put(frame);
    }
    if (to > a->kept_end)
        a->kept_end = to;
}

/* The last file whose data is in place, once every header in its last
 * page is read: past its end, the page reads as zeros. */
static void settle_tail(struct archive *a)
{
    struct inode *ino = a->tail_file;
    a->tail_file = NULL;
    if (!ino || ino->size % PAGE_BYTES == 0)
        return;
    char *last = fs_page_find(ino, ino->size / PAGE_BYTES);
    if (last)
        glue_memset(last + ino->size % PAGE_BYTES, 0, PAGE_BYTES - ino->size % PAGE_BYTES);
}

/* Give ino its size bytes of data at offset off: the archive's own frames
 * when off is page-aligned, else copies. */
static void take_data(struct archive *a, struct inode *ino, uint64_t off, uint64_t size)
{
    bool in_place = off % PAGE_BYTES == 0 && ((a->pa + off) % PAGE_BYTES) == 0 && size;
    if (in_place) {
        settle_tail(a);         /* every header before this page is read */
        free_frames(a, off);
    }
    for (uint64_t done = 0; done < size; done += PAGE_BYTES) {
        void *frame = (void *)(a->va + off + done);
        if (!in_place || page_adopt(frame) != 0) {
            void *copy = page_zalloc(0);
            if (!copy)
                panic("boot: out of memory for the files (files=DIR): give the guest more mem=");
            glue_memcpy(copy, frame, size - done < PAGE_BYTES ? size - done : PAGE_BYTES);
            frame = copy;
        }
        if (fs_page_insert(ino, done / PAGE_BYTES, frame) != 0)
            panic("boot: out of memory for the files (files=DIR): give the guest more mem=");
    }
    ino->size = size;
    if (in_place) {
        a->kept_end = off + (size + PAGE_BYTES - 1) / PAGE_BYTES * PAGE_BYTES;
        a->tail_file = ino;
    }
}

/* The name with "./" and "/" prefixes dropped ("" for the root). */
static const char *relative_name(const char *name)
{
    for (;;) {
        if (name[0] == '/')
            name++;
        else if (name[0] == '.' && (name[1] == '/' || name[1] == '\0'))
            name++;
        else
            return name;
    }
}

/* One entry: a directory (made when missing; "." and the padding entries,
 * which carry the root's mode and time, name the root) or a regular file;
 * other kinds are skipped with a line. */
static void load_entry(struct archive *a, const char *name, uint32_t mode, uint64_t mtime,
                       uint64_t data_off, uint64_t size)
{
    struct fs_path p;
    struct timespec t = { (time_t)mtime, 0 };
    name = relative_name(name);
    if (fs_walk(fs_root, name[0] ? name : "/", &p) != 0)
        bad_archive(a, "an entry's directory comes after it");
    struct inode *ino = p.inode;
    if (S_ISDIR(mode) && !ino) {
        if (!(ino = fs_inode_new(S_IFDIR)) || fs_dir_add(p.dir, p.name, p.len, ino) != 0)
            panic("boot: out of memory for the files (files=DIR): give the guest more mem=");
    } else if (S_ISREG(mode) && !ino) {
        if (!(ino = fs_inode_new(S_IFREG)) || fs_dir_add(p.dir, p.name, p.len, ino) != 0)
            panic("boot: out of memory for the files (files=DIR): give the guest more mem=");
        take_data(a, ino, data_off, size);
    } else if (!S_ISDIR(mode) || !fs_is_dir(ino)) {
        kprintf("capsule: files: %s skipped (not a regular file or directory, or twice)\n", name);
        return;
    }
    ino->mode = (ino->mode & S_IFMT) | (mode & 07777);
    ino->atime = ino->mtime = ino->ctime = t;
}

/* Contract in fs.h. */
void fs_load_boot_archive(void)
{
    const struct boot_info *bi = arch_boot_info();
    struct archive a = { bi->initrd.base, bi->initrd.size, NULL, 0, 0, NULL };
    if (a.size == 0)
        return;
    a.va = (const char *)phys_to_virt(a.pa);
    a.kept_end = 0;
    for (;;) {
        const char *h = a.va + a.pos;
        if (a.pos + NEWC_HEADER > a.size || !glue_memeq(h, NEWC_MAGIC, 6))
            bad_archive(&a, "not a cpio newc header");
        uint64_t namesize = newc_field(&a, h, F_NAMESIZE), size = newc_field(&a, h, F_FILESIZE);
        uint64_t data = align4(a.pos + NEWC_HEADER + namesize);
        if (namesize == 0 || h[NEWC_HEADER + namesize - 1] != '\0' || data + size > a.size)
            bad_archive(&a, "an entry runs past the end");
        if (namesize == sizeof NEWC_TRAILER && glue_memeq(h + NEWC_HEADER, NEWC_TRAILER, namesize))
            break;
        load_entry(&a, h + NEWC_HEADER, (uint32_t)newc_field(&a, h, F_MODE),
                   newc_field(&a, h, F_MTIME), data, size);
        a.pos = align4(data + size);
        if (a.pos >= a.kept_end)
            settle_tail(&a);    /* the headers in the last file's last page are read */
    }
    settle_tail(&a);
    free_frames(&a, (a.size + PAGE_BYTES - 1) / PAGE_BYTES * PAGE_BYTES);
}
