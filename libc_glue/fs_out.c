/* The results' way out (docs/files.md): at the end of the run -- exit, a
 * fault report, a signal, abort -- what /out holds is written to the host
 * as one cpio "newc" archive through QEMU's semihosting (SYS_OPEN/SYS_WRITE
 * of the host file the runner named with capsule.out=); the runner unpacks
 * it into out=DIR.  Names in the archive are relative to /out; regular files
 * and directories, with their modes and times.  Nothing is allocated, so a
 * run that ended for want of memory still gets its results out. */
#include <stdbool.h>
#include <sys/stat.h>

#include <arch/console.h>
#include <arch/semihost.h>
#include <mm/fault.h>
#include <mm/kalloc.h>

#include "fs.h"
#include "glue_mem.h"

#define PAGE_BYTES      4096u
#define NEWC_HEADER     110
#define OUT_DIR         "out"
#define HOST_PATH_MAX   FS_PATH_MAX

/* Set at start by fs_out_set (capsule.out=); cleared once written. */
static char host_path[HOST_PATH_MAX];
static bool out_wanted;

/* The archive being written: a buffer for headers and names, flushed to
 * the host handle; the name of the entry being written. */
struct out {
    long     handle;
    bool     failed;
    uint64_t written;           /* bytes of archive so far (for the 4-byte padding) */
    size_t   fill;
    char     buf[PAGE_BYTES];
    char     name[FS_PATH_MAX];
};
static struct out out;

/* Contract in fs.h. */
void fs_out_set(const char *path, size_t len)
{
    if (len >= HOST_PATH_MAX) {
        kprintf("capsule: capsule.out=: the host path is too long; /out will not be written\n");
        return;
    }
    glue_memcpy(host_path, path, len);
    host_path[len] = '\0';
    out_wanted = true;
    struct fs_path p;
    if (fs_walk(fs_root, OUT_DIR, &p) == 0 && !p.inode) {
        struct inode *dir = fs_inode_new(S_IFDIR | 0755);
        if (!dir || fs_dir_add(fs_root, OUT_DIR, sizeof OUT_DIR - 1, dir) != 0)
            kprintf("capsule: no memory for /out\n");
    }
}

/* Hand len bytes at p to the host. */
static void host_write(const void *p, size_t len)
{
    uint64_t args[3] = { (uint64_t)out.handle, (uint64_t)p, len };
    if (!out.failed && len && arch_semihost(SEMIHOST_SYS_WRITE, args) != 0)
        out.failed = true;
}

static void flush(void)
{
    host_write(out.buf, out.fill);
    out.fill = 0;
}

/* Append len bytes to the archive (through the buffer). */
static void put(const void *p, size_t len)
{
    out.written += len;
    if (len >= sizeof out.buf) {
        flush();
        host_write(p, len);
        return;
    }
    if (out.fill + len > sizeof out.buf)
        flush();
    glue_memcpy(out.buf + out.fill, p, len);
    out.fill += len;
}

static void pad4(void)
{
    static const char zeros[4];
    put(zeros, (4 - out.written % 4) % 4);
}

/* One newc header and name (out.name, or name when given). */
static void put_header(const char *name, uint32_t mode, uint64_t mtime, uint64_t size)
{
    static const char hex[] = "0123456789abcdef";
    uint64_t fields[13] = { 0, mode, 0, 0, 1, mtime, size, 0, 0, 0, 0, glue_strlen(name) + 1, 0 };
    char h[NEWC_HEADER];
    glue_memcpy(h, "070701", 6);
    for (int i = 0; i < 13; i++)
        for (int k = 0; k < 8; k++)
            h[6 + 8 * i + k] = hex[(fields[i] >> (28 - 4 * k)) & 0xf];
    put(h, sizeof h);
    put(name, glue_strlen(name) + 1);
    pad4();
}

/* A regular file's bytes, page by page from its cache (holes: zeros). */
static void put_data(struct inode *ino)
{
    for (uint64_t off = 0; off < ino->size; off += PAGE_BYTES) {
        const void *frame = fs_page_find(ino, off / PAGE_BYTES);
        uint64_t n = ino->size - off < PAGE_BYTES ? ino->size - off : PAGE_BYTES;
        put(frame ? frame : mm_zero_page(), n);
    }
    pad4();
}

/* dir's entries, each under out.name[0, len) + "/" + its name, depth first. */
static void put_tree(struct inode *dir, size_t len)
{
    for (struct dentry *d = dir->first; d; d = d->next) {
        if (len + 1 + d->len >= sizeof out.name)
            continue;
        size_t at = len;
        if (at)
            out.name[at++] = '/';
        glue_memcpy(out.name + at, d->name, d->len + 1);
        struct inode *ino = d->inode;
        put_header(out.name, ino->mode, (uint64_t)ino->mtime.tv_sec, fs_is_dir(ino) ? 0 : ino->size);
        if (fs_is_dir(ino))
            put_tree(ino, at + d->len);
        else
            put_data(ino);
        out.name[len] = '\0';
    }
}

/* Contract in fs.h. */
void fs_out_write(void)
{
    if (!out_wanted)
        return;
    out_wanted = false;
    struct fs_path p;
    uint64_t open_args[3] = { (uint64_t)host_path, SEMIHOST_OPEN_WB, glue_strlen(host_path) };
    out.handle = arch_semihost(SEMIHOST_SYS_OPEN, open_args);
    if (out.handle < 0) {
        kprintf("capsule: /out: cannot open the host file %s\n", host_path);
        return;
    }
    if (fs_root && fs_walk(fs_root, OUT_DIR, &p) == 0 && p.inode && fs_is_dir(p.inode)) {
        out.name[0] = '\0';
        put_tree(p.inode, 0);
    }
    put_header("TRAILER!!!", 0, 0, 0);
    flush();
    uint64_t close_args[1] = { (uint64_t)out.handle };
    arch_semihost(SEMIHOST_SYS_CLOSE, close_args);
    if (out.failed)
        kprintf("capsule: /out: writing the host file %s failed\n", host_path);
}
