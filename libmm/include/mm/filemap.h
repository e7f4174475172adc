/* File-backed mappings: the file system registers a table of operations
 * (libmm stays freestanding and knows no descriptors, inodes or caches), and
 * mmap, faults, fork and munmap reach a file's pages only through it.  A file
 * is an opaque pointer; each VMA that maps one holds a reference on it.
 *
 * Pages: the file system's page cache hands out its own frames (order-0
 * pages, reference-counted with page_get/page_put).  A MAP_SHARED mapping
 * maps them writable where the mapping is; a MAP_PRIVATE one maps them
 * read-only and copy-on-write, so the first write copies the page
 * (fault.c's copy-on-write) and the file never sees it.  docs/files.md. */
#ifndef MM_FILEMAP_H
#define MM_FILEMAP_H

#include <stdbool.h>

#include <mm/types.h>

/* What a descriptor names, for mmap. */
struct mm_file_ref {
    void *file;             /* NULL: a descriptor that cannot be mapped (console, pipe,
                             * directory): -MM_ENODEV after Linux's other checks */
    bool  readable;         /* opened for reading */
    bool  writable;         /* opened for writing (MAP_SHARED + PROT_WRITE needs it) */
};

struct mm_file_ops {
    /* The open file behind descriptor fd of the running process: 0 with *ref
     * filled, or -MM_EBADF. */
    int  (*lookup)(int fd, struct mm_file_ref *ref);
    /* The page cache's frame for page pgoff of file, with one more reference
     * for the caller (page_put gives it back); a hole inside the file gets a
     * zeroed frame.  0; -MM_ENXIO when pgoff is at or past the page that holds
     * the end of file (SIGBUS); -MM_ENOMEM when no frame is free. */
    int  (*get_page)(void *file, uint64 pgoff, void **frame);
    /* One more / one less reference on file (a VMA that maps it). */
    void (*hold)(void *file);
    void (*release)(void *file);
    /* madvise(MADV_REMOVE) on a MAP_SHARED mapping: free pages [from_pgoff,
     * to_pgoff) of file, which then read as zeros (a hole), unmapping them
     * everywhere first (mm_file_unmap).  0 or a negative MM_ error. */
    int  (*punch)(void *file, uint64 from_pgoff, uint64 to_pgoff);
};

/* Register the file system's operations (once, at boot).  Until then every
 * descriptor but the console's 0..2 (-MM_ENODEV) is -MM_EBADF. */
void mm_file_register(const struct mm_file_ops *ops);

/* Unmap the pages [from_pgoff, to_pgoff) of file in every address space that
 * maps it -- the page cache's frames and private copies alike, as Linux's
 * truncate -- so the next access faults (and finds what the file holds then,
 * or SIGBUS past its end).  Called by the file system before it shrinks a
 * file or drops pages from its cache. */
void mm_file_unmap(void *file, uint64 from_pgoff, uint64 to_pgoff);

#endif
