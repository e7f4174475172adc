/* bigcalc: an evaluator of integer expressions of any size, a real program
 * of the bench.  It generates random expressions (+, -, *, ^ over small
 * literals, nested), parses each with a recursive-descent parser and
 * evaluates it with big integers whose every intermediate value is a fresh
 * heap object (a header and its limbs, two blocks) freed as soon as it is
 * used: many short-lived small numbers, as a naive interpreter makes them.
 * The results are kept, turned into decimal (more temporaries), checked
 * against a second evaluation order, and freed in a shuffled order.  It
 * prints a sample of results and a hash of all of them. */
#include <string.h>

#include "../program.h"

#define EXPRS       1500
#define MAX_DEPTH   6
#define EXPR_BYTES  4096
#define LIMB_BITS   32

struct big {
    int       neg;      /* 1: negative (never for zero) */
    uint32_t  n;        /* limbs in use; 0 is zero */
    uint32_t *d;        /* least significant first, d[n - 1] != 0 */
};

static struct big *big_alloc(uint32_t n)
{
    struct big *b = xmalloc(sizeof *b);
    b->neg = 0;
    b->n = n;
    b->d = n ? xmalloc(n * sizeof b->d[0]) : NULL;
    return b;
}

static void big_free(struct big *b)
{
    if (b) {
        xfree(b->d);
        xfree(b);
    }
}

static struct big *big_trim(struct big *b)
{
    while (b->n && b->d[b->n - 1] == 0)
        b->n--;
    if (!b->n)
        b->neg = 0;
    return b;
}

static struct big *big_small(uint32_t v)
{
    struct big *b = big_alloc(1);
    b->d[0] = v;
    return big_trim(b);
}

/* |a| vs |b|: -1, 0, 1. */
static int mag_cmp(const struct big *a, const struct big *b)
{
    if (a->n != b->n)
        return a->n < b->n ? -1 : 1;
    for (uint32_t i = a->n; i-- > 0;)
        if (a->d[i] != b->d[i])
            return a->d[i] < b->d[i] ? -1 : 1;
    return 0;
}

static struct big *mag_add(const struct big *a, const struct big *b)
{
    if (a->n < b->n) {
        const struct big *t = a;
        a = b;
        b = t;
    }
    struct big *r = big_alloc(a->n + 1);
    uint64_t carry = 0;
    for (uint32_t i = 0; i < a->n; i++) {
        carry += (uint64_t)a->d[i] + (i < b->n ? b->d[i] : 0);
        r->d[i] = (uint32_t)carry;
        carry >>= LIMB_BITS;
    }
    r->d[a->n] = (uint32_t)carry;
    return big_trim(r);
}

/* |a| - |b| where |a| >= |b|. */
static struct big *mag_sub(const struct big *a, const struct big *b)
{
    struct big *r = big_alloc(a->n);
    int64_t borrow = 0;
    for (uint32_t i = 0; i < a->n; i++) {
        int64_t v = (int64_t)a->d[i] - (i < b->n ? b->d[i] : 0) - borrow;
        borrow = v < 0;
        r->d[i] = (uint32_t)(v + (borrow ? (1LL << LIMB_BITS) : 0));
    }
    return big_trim(r);
}

/* a + b, with b's sign flipped when negate_b. */
static struct big *big_addsub(const struct big *a, const struct big *b, int negate_b)
{
    int bneg = b->neg ^ (negate_b && b->n);
    struct big *r;
    if (a->neg == bneg) {
        r = mag_add(a, b);
        r->neg = r->n ? a->neg : 0;
    } else if (mag_cmp(a, b) >= 0) {
        r = mag_sub(a, b);
        r->neg = r->n ? a->neg : 0;
    } else {
        r = mag_sub(b, a);
        r->neg = r->n ? bneg : 0;
    }
    return r;
}

static struct big *big_mul(const struct big *a, const struct big *b)
{
    if (!a->n || !b->n)
        return big_alloc(0);
    struct big *r = big_alloc(a->n + b->n);
    memset(r->d, 0, r->n * sizeof r->d[0]);
    for (uint32_t i = 0; i < a->n; i++) {
        uint64_t carry = 0;
        for (uint32_t j = 0; j < b->n; j++) {
            carry += (uint64_t)a->d[i] * b->d[j] + r->d[i + j];
            r->d[i + j] = (uint32_t)carry;
            carry >>= LIMB_BITS;
        }
        r->d[i + b->n] = (uint32_t)carry;
    }
    r->neg = a->neg ^ b->neg;
    return big_trim(r);
}

/* a^e by squaring; every step a new number, the old ones freed. */
static struct big *big_pow(const struct big *a, uint32_t e)
{
    struct big *r = big_small(1), *base = big_mul(a, &(struct big){ 0, 1, (uint32_t[]){ 1 } });
    while (e) {
        if (e & 1) {
            struct big *t = big_mul(r, base);
            big_free(r);
            r = t;
        }
        e >>= 1;
        if (e) {
            struct big *t = big_mul(base, base);
            big_free(base);
            base = t;
        }
    }
    big_free(base);
    return r;
}

/* a / d (a new number) and a % d in *rem, for 0 < d < 2^32; sign ignored. */
static struct big *big_divsmall(const struct big *a, uint32_t d, uint32_t *rem)
{
    struct big *q = big_alloc(a->n);
    uint64_t r = 0;
    for (uint32_t i = a->n; i-- > 0;) {
        r = (r << LIMB_BITS) | a->d[i];
        q->d[i] = (uint32_t)(r / d);
        r %= d;
    }
    *rem = (uint32_t)r;
    return big_trim(q);
}

/* The decimal digits of a, with a '-' in front when negative (malloc'd). */
static char *big_to_dec(const struct big *a)
{
    size_t cap = 16, len = 0;
    char *rev = xmalloc(cap);
    struct big *q = big_mul(a, &(struct big){ 0, 1, (uint32_t[]){ 1 } });
    do {
        uint32_t r;
        struct big *t = big_divsmall(q, 1000000000u, &r);
        big_free(q);
        q = t;
        for (int k = 0; k < 9 && (q->n || r); k++, r /= 10) {
            if (len + 2 > cap)
                rev = xrealloc(rev, cap *= 2);
            rev[len++] = (char)('0' + r % 10);
        }
    } while (q->n);
    big_free(q);
    if (!len)
        rev[len++] = '0';
    char *s = xmalloc(len + 2), *p = s;
    if (a->neg)
        *p++ = '-';
    while (len)
        *p++ = rev[--len];
    *p = '\0';
    xfree(rev);
    return s;
}

/* ---- expressions ---------------------------------------------------- */

static char expr[EXPR_BYTES];
static size_t expr_len;

static void emit(const char *s)
{
    size_t n = strlen(s);
    if (expr_len + n < EXPR_BYTES) {
        memcpy(expr + expr_len, s, n + 1);
        expr_len += n;
    }
}

static void gen(int depth)
{
    char num[24];
    if (depth == 0 || rng() % 4 == 0) {
        uint64_t r = rng();
        snprintf(num, sizeof num, "%llu", (unsigned long long)(r % 8 == 0 ? r % 4000000000u : r % 1000));
        emit(num);
        return;
    }
    static const char ops[] = "+-*-+*^";
    char op = ops[rng() % 7];
    emit("(");
    if (op == '^') {
        gen(depth > 2 ? 2 : depth - 1);
        snprintf(num, sizeof num, "^%d", (int)(2 + rng() % 3));
        emit(num);
    } else {
        gen(depth - 1);
        char o[2] = { op, 0 };
        emit(o);
        gen(depth - 1);
    }
    emit(")");
}

static const char *cur;

static struct big *parse_expr(void);

/* A literal, digit by digit: value = value * 10 + digit, each a new number. */
static struct big *parse_number(void)
{
    struct big *v = big_alloc(0), *ten = big_small(10);
    while (*cur >= '0' && *cur <= '9') {
        struct big *t = big_mul(v, ten), *dg = big_small((uint32_t)(*cur++ - '0'));
        big_free(v);
        v = big_addsub(t, dg, 0);
        big_free(t);
        big_free(dg);
    }
    big_free(ten);
    return v;
}

static struct big *parse_primary(void)
{
    if (*cur == '(') {
        cur++;
        struct big *v = parse_expr();
        if (*cur == ')')
            cur++;
        return v;
    }
    return parse_number();
}

static struct big *parse_factor(void)
{
    struct big *v = parse_primary();
    if (*cur == '^') {
        cur++;
        struct big *e = parse_primary();
        struct big *r = big_pow(v, e->n ? e->d[0] : 0);
        big_free(v);
        big_free(e);
        v = r;
    }
    return v;
}

static struct big *parse_term(void)
{
    struct big *v = parse_factor();
    while (*cur == '*') {
        cur++;
        struct big *w = parse_factor(), *r = big_mul(v, w);
        big_free(v);
        big_free(w);
        v = r;
    }
    return v;
}

static struct big *parse_expr(void)
{
    struct big *v = parse_term();
    while (*cur == '+' || *cur == '-') {
        int minus = *cur++ == '-';
        struct big *w = parse_term(), *r = big_addsub(v, w, minus);
        big_free(v);
        big_free(w);
        v = r;
    }
    return v;
}

static uint64_t fnv(uint64_t h, const char *s)
{
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static struct big *results[EXPRS];

static void program_run(void)
{
    uint64_t hash = 14695981039346656037ULL;
    size_t digits = 0, negative = 0;
    for (int i = 0; i < EXPRS; i++) {
        expr_len = 0;
        gen(MAX_DEPTH);
        cur = expr;
        results[i] = parse_expr();
        char *s = big_to_dec(results[i]);
        hash = fnv(hash, s);
        digits += strlen(s) - (s[0] == '-');
        negative += s[0] == '-';
        if (i % 150 == 0)
            OUT("expr %d: %zu chars, value %.40s%s\n", i, expr_len, s, strlen(s) > 40 ? "..." : "");
        xfree(s);
    }
    /* The sum of every result, accumulated in two orders, must agree. */
    struct big *up = big_alloc(0), *down = big_alloc(0);
    for (int i = 0; i < EXPRS; i++) {
        struct big *t = big_addsub(up, results[i], 0);
        big_free(up);
        up = t;
        t = big_addsub(down, results[EXPRS - 1 - i], 0);
        big_free(down);
        down = t;
    }
    char *su = big_to_dec(up);
    OUT("sum: %.60s%s (%s both ways)\n", su, strlen(su) > 60 ? "..." : "",
        mag_cmp(up, down) == 0 && up->neg == down->neg ? "the same" : "DIFFERENT");
    xfree(su);
    big_free(up);
    big_free(down);
    for (int i = EXPRS - 1; i > 0; i--) {  /* free in a shuffled order */
        int j = (int)(rng() % (uint64_t)(i + 1));
        struct big *t = results[i];
        results[i] = results[j];
        results[j] = t;
    }
    for (int i = 0; i < EXPRS; i++)
        big_free(results[i]);
    OUT("%d expressions, %zu digits, %zu negative, hash %016llx\n", EXPRS, digits, negative,
        (unsigned long long)hash);
}
