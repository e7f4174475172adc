/* Heap misuse the allocator must report itself (status 134), one per argument:
 *   free_unmapped     free() of a pointer into memory that was unmapped
 *   realloc_unmapped  realloc() of one
 *   usable_unmapped   malloc_usable_size() of one
 *   overflow          a write past a block's end over the next block's header, then free() of that block */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

int main(int argc, char **argv)
{
    const char *what = argc > 1 ? argv[1] : "";
    setvbuf(stdout, NULL, _IONBF, 0);
    char *gone = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(gone, 8192);
    void *wild = gone + 4096 + 64;
    if (!strcmp(what, "free_unmapped")) {
        free(wild);
    } else if (!strcmp(what, "realloc_unmapped")) {
        printf("%p\n", realloc(wild, 100));
    } else if (!strcmp(what, "usable_unmapped")) {
        printf("%zu\n", malloc_usable_size(wild));
    } else if (!strcmp(what, "overflow")) {
        char *a = malloc(100), *b = malloc(100);
        char *next = a + malloc_usable_size(a) + 8;     /* the block after a's chunk */
        printf("b %s right after a\n", b == next ? "is" : "is not");
        memset(a, 'A', malloc_usable_size(a) + 16);     /* over the next chunk's head */
        free(next);
    } else {
        return 2;
    }
    printf("still alive\n");
    return 0;
}
