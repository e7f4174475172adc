/* Console input.  "cat": copy stdin to stdout as hex lines (byte-exact,
 * binary-safe) and say how many bytes arrived before end of file.  "lines":
 * fgets lines and echo them in brackets (typed input: the line discipline).
 * "scanf": read a word and a number.  "isatty": print isatty(0). */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int cat_hex(void)
{
    unsigned char buf[700], first[64];
    long total = 0;
    unsigned long sum = 0;
    ssize_t n;
    /* A pipe may hand the input over in several reads (as on Linux): the
     * first bytes are gathered across them and printed once. */
    while ((n = read(0, buf, sizeof buf)) > 0) {
        for (ssize_t i = 0; i < n; i++) {
            sum = sum * 31 + buf[i];
            if (total + i < (long)sizeof first)
                first[total + i] = buf[i];
        }
        total += n;
    }
    if (total > 0) {
        printf("first bytes:");
        for (long i = 0; i < total && i < (long)sizeof first; i++)
            printf(" %02x", first[i]);
        printf("\n");
    }
    printf("stdin: %ld bytes, hash %lu, then %s\n", total, sum, n == 0 ? "end of file" : "an error");
    printf("read after end of file: %d\n", (int)read(0, buf, sizeof buf));
    return n == 0 ? 0 : 1;
}

static int lines(void)
{
    char line[256];
    printf("type:\n");
    fflush(stdout);
    while (fgets(line, sizeof line, stdin)) {
        line[strcspn(line, "\n")] = '\0';
        printf("[%s]\n", line);
        fflush(stdout);
    }
    printf("lines: end of file\n");
    return 0;
}

static int scan(void)
{
    char word[64];
    int number;
    int got = scanf("%63s %d", word, &number);
    printf("scanf: %d items: %s %d\n", got, got >= 1 ? word : "-", got == 2 ? number : 0);
    return got == 2 ? 0 : 1;
}

int main(int argc, char **argv)
{
    printf("isatty(0)=%d\n", isatty(0));
    if (argc > 1 && !strcmp(argv[1], "lines"))
        return lines();
    if (argc > 1 && !strcmp(argv[1], "scanf"))
        return scan();
    if (argc > 1 && !strcmp(argv[1], "isatty"))
        return 0;
    return cat_hex();
}
