/* The file system's side of file-backed mmap (mm/filemap.h): libmm asks
 * through these operations for the open file behind a descriptor and for
 * a file's pages, which come from the page cache that read and write use
 * (fs.h), so a MAP_SHARED mapping and read() see the same bytes at once. */
#include <errno.h>
#include <fcntl.h>

#include <mm/errno.h>
#include <mm/filemap.h>
#include <mm/page.h>

#include "file.h"
#include "fs.h"

#define PAGE_BYTES  4096u

/* Contract in mm/filemap.h: the console, pipes and directories cannot be
 * mapped (file NULL). */
static int map_lookup(int fd, struct mm_file_ref *ref)
{
    struct file *f = fd_file(fd);
    if (!f)
        return -MM_EBADF;
    int acc = f->flags & O_ACCMODE;
    *ref = (struct mm_file_ref){ NULL, true, true };
    if (f->kind == FILE_REGULAR)
        *ref = (struct mm_file_ref){ f->inode, acc == O_RDONLY || acc == O_RDWR,
                                     acc == O_WRONLY || acc == O_RDWR };
    return 0;
}

/* Contract in mm/filemap.h: SIGBUS for a page wholly past the end. */
static int map_get_page(void *file, uint64 pgoff, void **frame)
{
    struct inode *ino = file;
    if (pgoff >= (ino->size + PAGE_BYTES - 1) / PAGE_BYTES)
        return -MM_ENXIO;
    void *page = fs_page_make(ino, pgoff);
    if (!page)
        return -MM_ENOMEM;
    page_get(page);
    *frame = page;
    return 0;
}

static void map_hold(void *file)
{
    fs_inode_hold(file);
}

static void map_release(void *file)
{
    fs_inode_release(file);
}

/* MADV_REMOVE: the pages go, and the file reads zeros there. */
static int map_punch(void *file, uint64 from, uint64 to)
{
    fs_punch(file, from, to);
    return 0;
}

static const struct mm_file_ops fs_map_ops = {
    .lookup = map_lookup, .get_page = map_get_page, .hold = map_hold, .release = map_release,
    .punch = map_punch,
};

/* Contract in fs.h. */
void fs_map_register(void)
{
    mm_file_register(&fs_map_ops);
}
