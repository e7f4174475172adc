/* The environment from env="..." (boot line options): environ in order,
 * getenv, setenv and unsetenv; and the arguments, summarised (argc, the
 * longest argument's length and a hash of all of them). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

int main(int argc, char **argv)
{
    size_t longest = 0;
    unsigned long hash = 0;
    for (int i = 1; i < argc; i++) {
        size_t n = strlen(argv[i]);
        longest = n > longest ? n : longest;
        for (size_t j = 0; j < n; j++)
            hash = hash * 31 + (unsigned char)argv[i][j];
        hash = hash * 31 + ' ';
    }
    printf("argc=%d longest=%zu hash=%lu last=%s\n", argc, longest, hash, argc > 1 ? argv[argc - 1] : "-");
    for (char **e = environ; e && *e; e++)
        printf("environ: %s\n", *e);
    printf("getenv(B)=%s getenv(NOPE)=%s\n", getenv("B") ? getenv("B") : "(null)",
           getenv("NOPE") ? getenv("NOPE") : "(null)");
    int r1 = setenv("C", "three", 1), r2 = setenv("B", "kept", 0), r3 = unsetenv("A");
    printf("setenv/unsetenv: %d %d %d; C=%s B=%s A=%s\n", r1, r2, r3, getenv("C"), getenv("B"),
           getenv("A") ? getenv("A") : "(null)");
    return 0;
}
