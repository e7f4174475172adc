/* Files in, results out, big files (tests/guest/cases.py gives it a
 * files= directory with in/ and a 32 MiB in/big.bin, and out=):
 *   - in/big.bin read with read() and mapped with mmap: the same bytes
 *     (a checksum of each), copied to out/big-copy.bin with write();
 *   - out/ gets text, every byte value, an empty file, a file with a hole, a
 *     nested directory, a file written through MAP_SHARED and one renamed
 *     into it; what was in files=out/ is there from the start;
 *   - deleting in/big.bin gives its frames (the boot archive's) to the
 *     allocator. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mm/kalloc.h>
#include <mm/page.h>

#include "../common/check.h"

#define PG 4096

static uint64_t fnv(const unsigned char *p, size_t n, uint64_t h)
{
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 0x100000001b3ULL;
    return h;
}

static void put(const char *path, const void *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    CHECK(fd >= 0 && write(fd, data, len) == (ssize_t)len);
    close(fd);
}

static void big_file(void)
{
    struct stat st;
    CHECK(stat("in/big.bin", &st) == 0);
    size_t len = (size_t)st.st_size;
    unsigned char *buf = malloc(len);
    int fd = open("in/big.bin", O_RDONLY);
    size_t got = 0;
    ssize_t n;
    while (got < len && (n = read(fd, buf + got, len - got)) > 0)
        got += (size_t)n;
    CHECK(got == len);
    unsigned char *m = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
    CHECK(m != MAP_FAILED);
    close(fd);
    uint64_t by_read = fnv(buf, len, 1469598103934665603ULL);
    uint64_t by_map = fnv(m, len, 1469598103934665603ULL);
    printf("in/big.bin: %zu bytes, read() and mmap agree: %s (%016llx)\n", len,
           by_read == by_map ? "yes" : "NO", (unsigned long long)by_map);
    CHECK(by_read == by_map);
    put("out/big-copy.bin", buf, len);
    munmap(m, len);
    free(buf);
}

static void results(void)
{
    unsigned char all[256];
    for (int i = 0; i < 256; i++)
        all[i] = (unsigned char)i;
    put("out/text.txt", "results of the run\n", 19);
    put("out/all-bytes.bin", all, sizeof all);
    put("out/empty", "", 0);
    int fd = open("out/hole.bin", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    CHECK(pwrite(fd, "end", 3, 3 * PG) == 3);
    close(fd);
    CHECK(mkdir("out/sub", 0755) == 0 && mkdir("out/sub/deeper", 0755) == 0);
    put("out/sub/deeper/nested.txt", "nested\n", 7);
    fd = open("out/mapped.txt", O_RDWR | O_CREAT | O_TRUNC, 0644);
    CHECK(ftruncate(fd, 13) == 0);
    char *m = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    memcpy(m, "via MAP_SHARE", 13);
    close(fd);
    munmap(m, PG);
    put("renamed-in", "moved into out/\n", 16);
    CHECK(rename("renamed-in", "out/renamed.txt") == 0);
    CHECK(access("out/seed.txt", F_OK) == 0);
    put("scratch.txt", "not in out/, not on the host\n", 29);
}

int main(void)
{
    big_file();
    unsigned long mapped_and_read = free_frames();
    CHECK(unlink("in/big.bin") == 0);
    unsigned long deleted = free_frames();
    printf("deleting in/big.bin gives its %lu frames (the archive's own) to the allocator: %s\n",
           deleted - mapped_and_read, deleted - mapped_and_read >= (32UL << 20) / PG ? "yes" : "no");
    CHECK(deleted - mapped_and_read >= (32UL << 20) / PG);
    results();
    printf("files_io: %d failure(s)\n", failures);
    return failures != 0;
}
