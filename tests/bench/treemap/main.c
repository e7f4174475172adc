/* treemap: a symbol table and a graph, a real program of the bench.  A
 * treap (a binary search tree balanced by random priorities) maps string
 * keys to records; a long mix of inserts, updates, lookups and deletes of
 * random keys frees nodes in no particular order, and so does pruning
 * every key with some property.  Then a graph of vertices with linked
 * adjacency lists (one heap node per edge) is built, vertices are removed
 * with all their edges, and breadth-first search measures what is left.
 * It prints sizes, a hash of the table in key order and the search's
 * figures. */
#include <string.h>

#include "../program.h"

#define KEY_SPACE   6000
#define TABLE_OPS   40000
#define VERTICES    3000
#define EDGES       12000
#define REMOVED     1000

struct record {
    uint64_t count;
    char     note[];        /* a short string of its own length */
};

struct node {
    struct node   *left, *right;
    uint64_t       prio;
    char          *key;
    struct record *rec;
};

static struct node *root;
static size_t table_size;

static char *key_of(uint64_t k)
{
    char buf[48];
    int n = snprintf(buf, sizeof buf, "sym_%llu_%.*s", (unsigned long long)k, (int)(k % 23),
                     "abcdefghijklmnopqrstuvwxyz");
    char *s = xmalloc((size_t)n + 1);
    memcpy(s, buf, (size_t)n + 1);
    return s;
}

static struct record *record_new(uint64_t count)
{
    size_t len = (size_t)(count % 40);
    struct record *r = xmalloc(sizeof *r + len + 1);
    r->count = count;
    memset(r->note, 'n', len);
    r->note[len] = '\0';
    return r;
}

static void node_free(struct node *n)
{
    xfree(n->key);
    xfree(n->rec);
    xfree(n);
}

static struct node *rotate_right(struct node *n)
{
    struct node *l = n->left;
    n->left = l->right;
    l->right = n;
    return l;
}

static struct node *rotate_left(struct node *n)
{
    struct node *r = n->right;
    n->right = r->left;
    r->left = n;
    return r;
}

/* Insert key (taken over) or, when present, replace its record (key freed). */
static struct node *insert(struct node *n, char *key, uint64_t count)
{
    if (!n) {
        struct node *m = xmalloc(sizeof *m);
        m->left = m->right = NULL;
        m->prio = rng();
        m->key = key;
        m->rec = record_new(count);
        table_size++;
        return m;
    }
    int c = strcmp(key, n->key);
    if (c == 0) {
        struct record *r = record_new(n->rec->count + count);
        xfree(n->rec);
        n->rec = r;
        xfree(key);
    } else if (c < 0) {
        n->left = insert(n->left, key, count);
        if (n->left->prio > n->prio)
            n = rotate_right(n);
    } else {
        n->right = insert(n->right, key, count);
        if (n->right->prio > n->prio)
            n = rotate_left(n);
    }
    return n;
}

/* Remove key when present (rotating it down to a leaf). */
static struct node *erase(struct node *n, const char *key)
{
    if (!n)
        return NULL;
    int c = strcmp(key, n->key);
    if (c < 0) {
        n->left = erase(n->left, key);
    } else if (c > 0) {
        n->right = erase(n->right, key);
    } else if (!n->left || !n->right) {
        struct node *child = n->left ? n->left : n->right;
        node_free(n);
        table_size--;
        return child;
    } else if (n->left->prio > n->right->prio) {
        n = rotate_right(n);
        n->right = erase(n->right, key);
    } else {
        n = rotate_left(n);
        n->left = erase(n->left, key);
    }
    return n;
}

static const struct node *find(const struct node *n, const char *key)
{
    while (n) {
        int c = strcmp(key, n->key);
        if (c == 0)
            return n;
        n = c < 0 ? n->left : n->right;
    }
    return NULL;
}

/* Remove every node whose record count is a multiple of m (post-order). */
static struct node *prune(struct node *n, uint64_t m)
{
    if (!n)
        return NULL;
    n->left = prune(n->left, m);
    n->right = prune(n->right, m);
    if (n->rec->count % m == 0) {
        n = erase(n, n->key);      /* frees the key with the node */
    }
    return n;
}

static uint64_t walk_hash(const struct node *n, uint64_t h, int depth, int *height)
{
    if (!n)
        return h;
    if (depth > *height)
        *height = depth;
    h = walk_hash(n->left, h, depth + 1, height);
    for (const char *s = n->key; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    h = (h ^ n->rec->count) * 1099511628211ULL;
    return walk_hash(n->right, h, depth + 1, height);
}

static void destroy(struct node *n)
{
    if (n) {
        destroy(n->left);
        destroy(n->right);
        node_free(n);
    }
}

static void table_report(const char *when)
{
    int height = 0;
    uint64_t h = walk_hash(root, 14695981039346656037ULL, 1, &height);
    OUT("table %s: %zu keys, height %d, hash %016llx\n", when, table_size, height, (unsigned long long)h);
}

static void table_work(void)
{
    size_t hits = 0;
    for (int op = 0; op < TABLE_OPS; op++) {
        uint64_t k = rng() % KEY_SPACE, what = rng() % 10;
        char *key = key_of(k);
        if (what < 5) {
            root = insert(root, key, k + (uint64_t)op);
            continue;
        }
        if (what < 8)
            hits += find(root, key) != NULL;
        else
            root = erase(root, key);
        xfree(key);
    }
    OUT("table: %zu lookups hit\n", hits);
    table_report("after the mix");
    root = prune(root, 3);
    table_report("pruned");
}

/* ---- the graph --------------------------------------------------------- */

struct edge {
    struct edge *next;
    uint32_t     to;
    uint32_t     weight;
};

static struct edge *adj[VERTICES];
static int removed[VERTICES];

static void edge_add(uint32_t from, uint32_t to)
{
    struct edge *e = xmalloc(sizeof *e);
    e->to = to;
    e->weight = (uint32_t)(rng() % 100);
    e->next = adj[from];
    adj[from] = e;
}

/* Remove v: free its edges, and for each the edge back to v. */
static void vertex_remove(uint32_t v)
{
    struct edge *list = adj[v];
    adj[v] = NULL;
    removed[v] = 1;
    for (struct edge *e = list, *next; e; e = next) {
        next = e->next;
        for (struct edge **pp = &adj[e->to]; *pp; pp = &(*pp)->next) {
            if ((*pp)->to == v) {
                struct edge *back = *pp;
                *pp = back->next;
                xfree(back);
                break;
            }
        }
        xfree(e);
    }
}

static void graph_work(void)
{
    for (int i = 0; i < EDGES; i++) {
        uint32_t a = (uint32_t)(rng() % VERTICES), b = (uint32_t)(rng() % VERTICES);
        edge_add(a, b);
        edge_add(b, a);
    }
    for (int i = 0; i < REMOVED; i++)
        vertex_remove((uint32_t)(rng() % VERTICES));
    int *dist = xmalloc(VERTICES * sizeof *dist);
    uint32_t *queue = xmalloc(VERTICES * sizeof *queue);
    size_t reached = 0, far = 0, components = 0, edges = 0;
    for (uint32_t s = 0; s < VERTICES; s++)
        dist[s] = -1;
    for (uint32_t s = 0; s < VERTICES; s++) {
        if (removed[s] || dist[s] >= 0)
            continue;
        components++;
        size_t head = 0, tail = 0;
        dist[s] = 0;
        queue[tail++] = s;
        while (head < tail) {
            uint32_t v = queue[head++];
            reached++;
            if ((size_t)dist[v] > far)
                far = (size_t)dist[v];
            for (struct edge *e = adj[v]; e; e = e->next, edges++)
                if (dist[e->to] < 0) {
                    dist[e->to] = dist[v] + 1;
                    queue[tail++] = e->to;
                }
        }
    }
    OUT("graph: %zu vertices in %zu components, %zu edges, deepest %zu\n", reached, components, edges, far);
    xfree(dist);
    xfree(queue);
    for (uint32_t v = 0; v < VERTICES; v++)
        vertex_remove(v);
}

static void program_run(void)
{
    table_work();
    graph_work();
    destroy(root);
    root = NULL;
    OUT("done\n");
}
