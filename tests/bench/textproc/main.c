/* textproc: a text processor, a real program of the bench.  It generates a
 * document of sentences from a vocabulary, then: splits it into words
 * (each a heap string) counted in a hash table that grows by rehashing;
 * fills paragraphs line by line, each line a string grown by realloc one
 * word at a time; rewrites every line replacing some words by longer or
 * shorter ones (a new string per line); and joins the result into one
 * document grown by realloc.  It prints the most frequent words, line and
 * byte counts and a hash of the output. */
#include <string.h>

#include "../program.h"

#define SENTENCES   1800
#define LINE_WIDTH  72
#define TOP_WORDS   8

static const char *const vocab[] = {
    "the", "a", "of", "memory", "page", "frame", "allocator", "heap", "block", "free",
    "list", "table", "address", "space", "fault", "kernel", "program", "returns", "maps", "grows",
    "shrinks", "small", "large", "every", "when", "which", "into", "from", "without", "copy",
    "write", "read", "zero", "first", "last", "fresh", "touched", "resident", "virtual", "physical",
    "hart", "trap", "timer", "process", "pipe", "descriptor", "signal", "boundary", "tag", "class",
};
#define VOCAB ((int)(sizeof vocab / sizeof vocab[0]))

/* ---- a growing string ------------------------------------------------- */

struct str {
    char  *s;
    size_t len;
};

/* Append n bytes of p: realloc to exactly what is needed, as naive code does. */
static void str_append(struct str *t, const char *p, size_t n)
{
    t->s = xrealloc(t->s, t->len + n + 1);
    memcpy(t->s + t->len, p, n);
    t->len += n;
    t->s[t->len] = '\0';
}

/* ---- word counts ------------------------------------------------------ */

struct entry {
    struct entry *next;
    char         *word;
    size_t        count;
};

static struct entry **buckets;
static size_t nbuckets, nentries;

static uint64_t hash_bytes(const char *s, size_t n)
{
    uint64_t h = 14695981039346656037ULL;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
    return h;
}

static void rehash(size_t n)
{
    struct entry **nb = xmalloc(n * sizeof *nb);
    memset(nb, 0, n * sizeof *nb);
    for (size_t i = 0; i < nbuckets; i++) {
        for (struct entry *e = buckets[i], *next; e; e = next) {
            next = e->next;
            size_t b = hash_bytes(e->word, strlen(e->word)) % n;
            e->next = nb[b];
            nb[b] = e;
        }
    }
    xfree(buckets);
    buckets = nb;
    nbuckets = n;
}

/* Count one word (word is taken over). */
static void count_word(char *word)
{
    if (nentries >= nbuckets)
        rehash(nbuckets ? 2 * nbuckets : 4);
    size_t b = hash_bytes(word, strlen(word)) % nbuckets;
    for (struct entry *e = buckets[b]; e; e = e->next) {
        if (strcmp(e->word, word) == 0) {
            e->count++;
            xfree(word);
            return;
        }
    }
    struct entry *e = xmalloc(sizeof *e);
    e->word = word;
    e->count = 1;
    e->next = buckets[b];
    buckets[b] = e;
    nentries++;
}

static int by_count(const void *a, const void *b)
{
    const struct entry *x = *(const struct entry *const *)a, *y = *(const struct entry *const *)b;
    if (x->count != y->count)
        return x->count < y->count ? 1 : -1;
    return strcmp(x->word, y->word);
}

static void report_counts(void)
{
    struct entry **all = xmalloc(nentries * sizeof *all);
    size_t n = 0;
    for (size_t i = 0; i < nbuckets; i++)
        for (struct entry *e = buckets[i]; e; e = e->next)
            all[n++] = e;
    qsort(all, n, sizeof *all, by_count);
    OUT("%zu distinct words; most frequent:", n);
    for (size_t i = 0; i < n && i < TOP_WORDS; i++)
        OUT(" %s %zu", all[i]->word, all[i]->count);
    OUT("\n");
    xfree(all);
    for (size_t i = 0; i < nbuckets; i++) {
        for (struct entry *e = buckets[i], *next; e; e = next) {
            next = e->next;
            xfree(e->word);
            xfree(e);
        }
    }
    xfree(buckets);
    buckets = NULL;
    nbuckets = nentries = 0;
}

/* ---- the document ----------------------------------------------------- */

/* A document of sentences of random words; some words get a number suffix
 * so the vocabulary keeps growing. */
static struct str generate(void)
{
    struct str doc = { NULL, 0 };
    for (int i = 0; i < SENTENCES; i++) {
        int words = 4 + (int)(rng() % 14);
        for (int w = 0; w < words; w++) {
            char buf[32];
            const char *word = vocab[rng() % VOCAB];
            int n = rng() % 6 == 0 ? snprintf(buf, sizeof buf, "%s%d", word, (int)(rng() % 400))
                                   : snprintf(buf, sizeof buf, "%s", word);
            if (w == 0 && buf[0] >= 'a' && buf[0] <= 'z')
                buf[0] = (char)(buf[0] - 'a' + 'A');
            str_append(&doc, buf, (size_t)n);
            str_append(&doc, w + 1 < words ? " " : (rng() % 5 == 0 ? ".\n\n" : ". "), w + 1 < words ? 1 : 2);
        }
    }
    return doc;
}

/* The words of text (letters and digits), each copied into its own string. */
static void count_words(const char *text)
{
    for (const char *p = text; *p;) {
        while (*p && !((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')))
            p++;
        const char *start = p;
        while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9'))
            p++;
        if (p > start) {
            char *w = xmalloc((size_t)(p - start) + 1);
            for (size_t i = 0; i < (size_t)(p - start); i++)
                w[i] = (char)(start[i] >= 'A' && start[i] <= 'Z' ? start[i] - 'A' + 'a' : start[i]);
            w[p - start] = '\0';
            count_word(w);
        }
    }
}

/* Fill text into lines of at most LINE_WIDTH; returns the lines (malloc'd
 * array of malloc'd strings) and their number in *nlines. */
static char **fill(const char *text, size_t *nlines)
{
    size_t cap = 16, n = 0;
    char **lines = xmalloc(cap * sizeof *lines);
    struct str line = { NULL, 0 };
    for (const char *p = text; *p;) {
        while (*p == ' ' || *p == '\n')
            p++;
        const char *start = p;
        while (*p && *p != ' ' && *p != '\n')
            p++;
        size_t wl = (size_t)(p - start);
        if (line.len && (line.len + 1 + wl > LINE_WIDTH || !wl)) {
            if (n == cap)
                lines = xrealloc(lines, (cap *= 2) * sizeof *lines);
            lines[n++] = line.s;
            line = (struct str){ NULL, 0 };
        }
        if (wl) {
            if (line.len)
                str_append(&line, " ", 1);
            str_append(&line, start, wl);
        }
    }
    if (line.len) {
        if (n == cap)
            lines = xrealloc(lines, (cap *= 2) * sizeof *lines);
        lines[n++] = line.s;
    }
    *nlines = n;
    return lines;
}

/* line with each of the first few vocabulary words replaced (a new string). */
static char *rewrite(const char *line)
{
    static const char *const from[] = { "memory", "page", "heap", "free", "the" };
    static const char *const to[] = { "storage", "pg", "arena of blocks", "released", "THE" };
    struct str out = { NULL, 0 };
    const char *p = line;
    while (*p) {
        const char *start = p;
        while (*p && *p != ' ')
            p++;
        size_t wl = (size_t)(p - start);
        const char *rep = NULL;
        for (size_t i = 0; i < sizeof from / sizeof from[0] && !rep; i++)
            if (strlen(from[i]) == wl && memcmp(from[i], start, wl) == 0)
                rep = to[i];
        if (rep)
            str_append(&out, rep, strlen(rep));
        else
            str_append(&out, start, wl);
        if (*p == ' ')
            str_append(&out, p++, 1);
    }
    return out.s ? out.s : strcpy(xmalloc(1), "");
}

static void program_run(void)
{
    struct str doc = generate();
    OUT("document: %zu bytes\n", doc.len);
    count_words(doc.s);
    report_counts();
    size_t nlines;
    char **lines = fill(doc.s, &nlines);
    xfree(doc.s);
    struct str out = { NULL, 0 };
    size_t longest = 0;
    for (size_t i = 0; i < nlines; i++) {
        char *r = rewrite(lines[i]);
        xfree(lines[i]);
        size_t n = strlen(r);
        if (n > longest)
            longest = n;
        str_append(&out, r, n);
        str_append(&out, "\n", 1);
        xfree(r);
    }
    xfree(lines);
    OUT("%zu lines, longest rewritten %zu, output %zu bytes, hash %016llx\n", nlines, longest, out.len,
        (unsigned long long)hash_bytes(out.s, out.len));
    OUT("first line: %.*s\n", (int)(strchr(out.s, '\n') - out.s), out.s);
    xfree(out.s);
}
