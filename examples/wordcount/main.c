/* wordcount: an ordinary POSIX program -- it knows nothing of Capsule.  It
 * reads the text file named by its first argument and writes its line, word
 * and byte counts and its five most frequent words to the file named by
 * its second:
 *
 *   scons app=examples/wordcount run files=examples/wordcount/data \
 *         out=/tmp/wc-out args='poem.txt out/counts.txt'
 *
 * poem.txt comes from files=DIR (the app's file system at /); out/counts.txt
 * lands in /tmp/wc-out on the host when the run ends (docs/files.md). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_WORDS   4096
#define WORD_BYTES  32

struct word {
    char text[WORD_BYTES];
    int  count;
};

static struct word words[MAX_WORDS];
static int nwords;

static void count_word(const char *w)
{
    for (int i = 0; i < nwords; i++) {
        if (strcmp(words[i].text, w) == 0) {
            words[i].count++;
            return;
        }
    }
    if (nwords < MAX_WORDS) {
        snprintf(words[nwords].text, WORD_BYTES, "%s", w);
        words[nwords++].count = 1;
    }
}

static int by_count(const void *a, const void *b)
{
    const struct word *x = a, *y = b;
    return x->count != y->count ? y->count - x->count : strcmp(x->text, y->text);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s INPUT OUTPUT\n", argv[0]);
        return 2;
    }
    FILE *in = fopen(argv[1], "r");
    if (!in) {
        perror(argv[1]);
        return 1;
    }
    long lines = 0, nwords_total = 0, bytes = 0;
    char w[WORD_BYTES];
    int len = 0, c;
    while ((c = fgetc(in)) != EOF) {
        bytes++;
        if (c == '\n')
            lines++;
        if (isalpha(c) && len < WORD_BYTES - 1) {
            w[len++] = (char)tolower(c);
        } else if (!isalpha(c) && len) {
            w[len] = '\0';
            count_word(w);
            nwords_total++;
            len = 0;
        }
    }
    fclose(in);
    qsort(words, nwords, sizeof words[0], by_count);
    FILE *out = fopen(argv[2], "w");
    if (!out) {
        perror(argv[2]);
        return 1;
    }
    fprintf(out, "%ld lines, %ld words, %ld bytes\n", lines, nwords_total, bytes);
    for (int i = 0; i < 5 && i < nwords; i++)
        fprintf(out, "%s %d\n", words[i].text, words[i].count);
    fclose(out);
    printf("wordcount: %s -> %s\n", argv[1], argv[2]);
    return 0;
}
