/*
 * aho.c - the Aho-Corasick automaton of scan.h.
 *
 * Build: a trie with one child list per node (the root a dense table),
 * failure links by breadth-first traversal, then the compact read-only
 * tables (plus direct rows for the busiest states). Scan: one transition per byte, following
 * failure links where a state has no edge for the byte; matches are reported through the state's
 * own pattern and its output link (the next state on the failure chain that completes a pattern),
 * so overlapping words all report.
 */
#include "plugins/checks/scan.h"

#include <stdlib.h>
#include <string.h>

#define AC_NONE UINT32_MAX

struct ac_node { /* build time only */
    uint32_t first_child;
    uint32_t next_sibling;
    uint32_t fail;
    uint32_t pattern; /* AC_NONE when no pattern ends here */
    uint32_t depth;
    uint8_t byte;
};

#define HOT_DENSE (1u << 30)
#define HOT_EMITS (1u << 31)

struct ac_hot {
    uint32_t first; /* first edge, or the dense row */
    uint32_t flags; /* number of edges | HOT_DENSE | HOT_EMITS */
    uint32_t fail;
    uint32_t pad;
};

struct chk_ac {
    uint32_t nstates;
    uint32_t root_next[256]; /* 0: stay at the root */
    uint32_t *edge_off;      /* nstates + 1: edges of state s are [edge_off[s], edge_off[s+1]) */
    uint8_t *edge_byte;      /* sorted within a state */
    uint32_t *edge_to;
    uint32_t *fail;
    uint32_t *pattern;  /* pattern completed here, AC_NONE */
    uint32_t *out;      /* next state on the failure chain with a pattern, 0 for none */
    uint32_t *plen;     /* bytes of each pattern (to report its start) */
    uint32_t *pnext;    /* next pattern with the same bytes, AC_NONE */
    uint8_t *emits;     /* pattern != AC_NONE || out != 0 */
    uint32_t *dense_of; /* AC_NONE, or the row of dense for a state with many edges */
    uint32_t *dense;    /* rows of 64 targets indexed by a continuation byte's low bits */
    uint32_t ndense;
    struct ac_hot *hot; /* what the scan reads per state, in one 16-byte line */
    size_t npatterns;
};

static const uint8_t *
fold_table(void)
{
    static uint8_t t[256];
    static int done;
    int i;

    if (!done) {
        for (i = 0; i < 256; i++)
            t[i] = (uint8_t) ((i >= 'A' && i <= 'Z') ? i + 32 : i);
        done = 1;
    }
    return t;
}


static void *
ac_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size);
    if (p == NULL)
        abort();
    return p;
}


static uint32_t
node_child(const struct ac_node *nodes, uint32_t s, uint8_t c)
{
    uint32_t k;

    for (k = nodes[s].first_child; k != AC_NONE; k = nodes[k].next_sibling)
        if (nodes[k].byte == c)
            return k;
    return AC_NONE;
}


/* Transition used while building failure links: goto, else follow fail. */
static uint32_t
node_step(const struct ac_node *nodes, const uint32_t *root_next, uint32_t s, uint8_t c)
{
    uint32_t t;

    for (;;) {
        if (s == 0)
            return root_next[c];
        t = node_child(nodes, s, c);
        if (t != AC_NONE)
            return t;
        s = nodes[s].fail;
    }
}


static int
cmp_edge(const void *a, const void *b)
{
    const uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;
    return (x > y) - (x < y);
}


struct chk_ac *
chk_ac_build(const char *const *pats, const size_t *lens, size_t n)
{
    const uint8_t *fold = fold_table();
    struct chk_ac *ac;
    struct ac_node *nodes;
    uint32_t *queue, *last_of, qh = 0, qt = 0, s, k, nn = 1;
    size_t cap = 1, i, j, e;

    for (i = 0; i < n; i++)
        cap += lens[i];
    if (cap >= (size_t) INT32_MAX || n >= (size_t) INT32_MAX)
        return NULL;
    ac = ac_xcalloc(1, sizeof(*ac));
    nodes = ac_xcalloc(cap, sizeof(*nodes));
    nodes[0].first_child = nodes[0].next_sibling = AC_NONE;
    nodes[0].pattern = AC_NONE;
    ac->plen = ac_xcalloc(n, sizeof(uint32_t));
    ac->pnext = ac_xcalloc(n, sizeof(uint32_t));
    ac->npatterns = n;
    last_of = ac_xcalloc(cap, sizeof(uint32_t));

    /* the trie */
    for (i = 0; i < n; i++) {
        ac->pnext[i] = AC_NONE;
        ac->plen[i] = (uint32_t) lens[i];
        if (lens[i] == 0)
            continue;
        s = 0;
        for (j = 0; j < lens[i]; j++) {
            uint8_t c = fold[(uint8_t) pats[i][j]];
            uint32_t t =
                s == 0 ? (ac->root_next[c] ? ac->root_next[c] : AC_NONE) : node_child(nodes, s, c);
            if (t == AC_NONE) {
                t = nn++;
                nodes[t].byte = c;
                nodes[t].first_child = AC_NONE;
                nodes[t].pattern = AC_NONE;
                nodes[t].depth = nodes[s].depth + 1;
                if (s == 0) {
                    ac->root_next[c] = t;
                    nodes[t].next_sibling = AC_NONE;
                } else {
                    nodes[t].next_sibling = nodes[s].first_child;
                    nodes[s].first_child = t;
                }
            }
            s = t;
        }
        /* several patterns with the same bytes: chain them */
        if (nodes[s].pattern == AC_NONE)
            nodes[s].pattern = (uint32_t) i;
        else
            ac->pnext[last_of[s]] = (uint32_t) i;
        last_of[s] = (uint32_t) i;
    }
    free(last_of);

    /* failure links, breadth first (parents before children) */
    queue = ac_xcalloc(nn, sizeof(uint32_t));
    for (i = 0; i < 256; i++) {
        if (ac->root_next[i]) {
            nodes[ac->root_next[i]].fail = 0;
            queue[qt++] = ac->root_next[i];
        }
    }
    ac->nstates = nn;
    ac->fail = ac_xcalloc(nn, sizeof(uint32_t));
    ac->pattern = ac_xcalloc(nn, sizeof(uint32_t));
    ac->out = ac_xcalloc(nn, sizeof(uint32_t));
    ac->emits = ac_xcalloc(nn, 1);
    ac->pattern[0] = AC_NONE;
    while (qh < qt) {
        s = queue[qh++];
        for (k = nodes[s].first_child; k != AC_NONE; k = nodes[k].next_sibling) {
            nodes[k].fail = node_step(nodes, ac->root_next, nodes[s].fail, nodes[k].byte);
            queue[qt++] = k;
        }
        /* output link: the nearest proper suffix state that completes a pattern */
        {
            uint32_t f = nodes[s].fail;
            ac->out[s] = (f != 0 && nodes[f].pattern != AC_NONE) ? f : ac->out[f];
        }
    }
    /* (queue order is BFS, so out[fail] was final before out[s] read it) */

    /* compact edges: each state's children sorted by byte */
    {
        /* count children per parent, then fill */
        uint32_t *cnt = ac_xcalloc((size_t) nn + 1, sizeof(uint32_t));
        uint32_t *pos;
        ac->edge_off = ac_xcalloc((size_t) nn + 1, sizeof(uint32_t));
        for (s = 1; s < nn; s++)
            for (k = nodes[s].first_child; k != AC_NONE; k = nodes[k].next_sibling)
                cnt[s]++;
        for (s = 0; s < nn; s++)
            ac->edge_off[s + 1] = ac->edge_off[s] + cnt[s];
        e = ac->edge_off[nn];
        ac->edge_byte = ac_xcalloc(e, 1);
        ac->edge_to = ac_xcalloc(e, sizeof(uint32_t));
        pos = cnt;
        for (s = 0; s < nn; s++)
            pos[s] = ac->edge_off[s];
        for (s = 1; s < nn; s++) {
            uint64_t *es;
            uint32_t m = ac->edge_off[s + 1] - ac->edge_off[s], q = 0;
            if (m == 0)
                continue;
            es = ac_xcalloc(m, sizeof(uint64_t));
            for (k = nodes[s].first_child; k != AC_NONE; k = nodes[k].next_sibling)
                es[q++] = ((uint64_t) nodes[k].byte << 32) | k;
            qsort(es, m, sizeof(uint64_t), cmp_edge);
            for (q = 0; q < m; q++) {
                ac->edge_byte[pos[s] + q] = (uint8_t) (es[q] >> 32);
                ac->edge_to[pos[s] + q] = (uint32_t) es[q];
            }
            free(es);
        }
        free(cnt);
    }
    /* States with many edges, all on UTF-8 continuation bytes (the second and third byte
     * of a Chinese character below a frequent lead byte), get a direct 64-entry row:
     * they are where the scan spends its time, and a row replaces a binary search. */
    ac->dense_of = ac_xcalloc(nn, sizeof(uint32_t));
    for (s = 0; s < nn; s++) {
        uint32_t lo = ac->edge_off[s], hi = ac->edge_off[s + 1], q;
        ac->dense_of[s] = AC_NONE;
        if (s == 0 || hi - lo < 8)
            continue;
        for (q = lo; q < hi; q++)
            if ((ac->edge_byte[q] & 0xC0) != 0x80)
                break;
        if (q < hi)
            continue;
        ac->dense_of[s] = ac->ndense++;
    }
    ac->dense = ac_xcalloc((size_t) ac->ndense * 64 + 1, sizeof(uint32_t));
    for (s = 0; s < nn; s++) {
        uint32_t q;
        if (ac->dense_of[s] == AC_NONE)
            continue;
        for (q = ac->edge_off[s]; q < ac->edge_off[s + 1]; q++)
            ac->dense[(size_t) ac->dense_of[s] * 64 + (ac->edge_byte[q] & 0x3F)] = ac->edge_to[q];
    }
    for (s = 0; s < nn; s++) {
        ac->fail[s] = nodes[s].fail;
        ac->pattern[s] = nodes[s].pattern;
        ac->emits[s] = nodes[s].pattern != AC_NONE || ac->out[s] != 0;
    }
    ac->hot = ac_xcalloc(nn, sizeof(struct ac_hot));
    for (s = 0; s < nn; s++) {
        struct ac_hot *h = &ac->hot[s];
        h->fail = ac->fail[s];
        if (ac->dense_of[s] != AC_NONE) {
            h->first = ac->dense_of[s] * 64;
            h->flags = HOT_DENSE;
        } else {
            h->first = ac->edge_off[s];
            h->flags = ac->edge_off[s + 1] - ac->edge_off[s];
        }
        if (ac->emits[s])
            h->flags |= HOT_EMITS;
    }
    free(queue);
    free(nodes);
    return ac;
}


void
chk_ac_free(struct chk_ac *ac)
{
    if (ac == NULL)
        return;
    free(ac->edge_off);
    free(ac->edge_byte);
    free(ac->edge_to);
    free(ac->fail);
    free(ac->pattern);
    free(ac->out);
    free(ac->plen);
    free(ac->pnext);
    free(ac->emits);
    free(ac->dense_of);
    free(ac->dense);
    free(ac->hot);
    free(ac);
}


static inline uint32_t
ac_goto(const struct chk_ac *ac, const struct ac_hot *h, uint8_t c)
{
    uint32_t lo = h->first, n = h->flags & (HOT_DENSE - 1), hi;

    if (h->flags & HOT_DENSE)
        return (c & 0xC0) == 0x80 ? ac->dense[lo + (c & 0x3F)] : 0;
    hi = lo + n;
    if (n <= 8) {
        for (; lo < hi; lo++)
            if (ac->edge_byte[lo] == c)
                return ac->edge_to[lo];
        return 0;
    }
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (ac->edge_byte[mid] < c)
            lo = mid + 1;
        else
            hi = mid;
    }
    return (lo < h->first + n && ac->edge_byte[lo] == c) ? ac->edge_to[lo] : 0;
}


static void
ac_emit(const struct chk_ac *ac, uint32_t s, size_t end, chk_ac_hit_fn fn, void *data)
{
    uint32_t p;

    if (ac->pattern[s] == AC_NONE)
        s = ac->out[s];
    while (s != 0) {
        for (p = ac->pattern[s]; p != AC_NONE; p = ac->pnext[p])
            fn(data, p, end - ac->plen[p], end);
        s = ac->out[s];
    }
}


void
chk_ac_scan(const struct chk_ac *ac, const char *text, size_t len, chk_ac_hit_fn fn, void *data)
{
    const uint8_t *fold = fold_table();
    const uint8_t *t = (const uint8_t *) text;
    uint32_t s = 0, nx;
    size_t i;

    for (i = 0; i < len; i++) {
        uint8_t c = fold[t[i]];
        for (;;) {
            if (s == 0) {
                s = ac->root_next[c];
                break;
            }
            nx = ac_goto(ac, &ac->hot[s], c);
            if (nx != 0) {
                s = nx;
                break;
            }
            s = ac->hot[s].fail;
        }
        if (ac->hot[s].flags & HOT_EMITS)
            ac_emit(ac, s, i + 1, fn, data);
    }
}


size_t
chk_ac_states(const struct chk_ac *ac)
{
    return ac->nstates;
}


size_t
chk_ac_bytes(const struct chk_ac *ac)
{
    size_t n = ac->nstates, e = ac->edge_off[n];

    return sizeof(*ac) + (n + 1) * 4 + e * 5 + n * (4 + 4 + 4 + 4 + 1 + 16) + ac->npatterns * 8 +
           (size_t) ac->ndense * 64 * 4;
}
