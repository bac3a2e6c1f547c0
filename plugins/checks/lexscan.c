/*
 * lexscan.c - see lexscan.h.
 */
#include "plugins/checks/lexscan.h"
#include "plugins/jiyue_plugin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct lexscan_pat {
    int type;
    const char *word;
    const char *right;
};

struct lexscan {
    struct chk_ac *ac;
    struct lexscan_pat *pats;
    size_t n;
    char *store;
};

struct lexscan_src {
    int type;
    const char *word;
    size_t len;
    const char *right;
    size_t right_len;
};


static struct lexscan *
lexscan_from_src(const struct lexscan_src *src, size_t n)
{
    struct lexscan *ls = calloc(1, sizeof(*ls));
    const char **words = calloc(n ? n : 1, sizeof(char *));
    size_t *lens = calloc(n ? n : 1, sizeof(size_t)), total = 0, at = 0, i;

    if (ls == NULL || words == NULL || lens == NULL)
        abort();
    for (i = 0; i < n; i++)
        total += src[i].len + 1 + (src[i].right ? src[i].right_len + 1 : 0);
    ls->store = malloc(total ? total : 1);
    ls->pats = calloc(n ? n : 1, sizeof(*ls->pats));
    if (ls->store == NULL || ls->pats == NULL)
        abort();
    ls->n = n;
    for (i = 0; i < n; i++) {
        char *w = ls->store + at;
        memcpy(w, src[i].word, src[i].len);
        w[src[i].len] = '\0';
        at += src[i].len + 1;
        ls->pats[i].type = src[i].type;
        ls->pats[i].word = w;
        if (src[i].right) {
            char *r = ls->store + at;
            memcpy(r, src[i].right, src[i].right_len);
            r[src[i].right_len] = '\0';
            at += src[i].right_len + 1;
            ls->pats[i].right = r;
        }
        words[i] = w;
        lens[i] = src[i].len;
    }
    ls->ac = chk_ac_build(words, lens, n);
    free(words);
    free(lens);
    if (ls->ac == NULL)
        abort();
    return ls;
}


struct lexscan *
lexscan_build(const struct chk_lexicon *sensitive, const struct chk_lexicon *whitelist,
              const struct chk_lexicon *typos, const struct chk_lexicon *names)
{
    const struct chk_lexicon *lists[4] = {sensitive, whitelist, typos, names};
    static const int types[4] = {LEXSCAN_SENSITIVE, LEXSCAN_WHITELIST, LEXSCAN_TYPO, LEXSCAN_NAME};
    struct lexscan_src *src;
    struct lexscan *ls;
    size_t n = 0, k = 0, i;
    int l;

    for (l = 0; l < 4; l++)
        n += lists[l] ? lists[l]->n * (l >= 2 ? 2 : 1) : 0;
    src = calloc(n ? n : 1, sizeof(*src));
    if (src == NULL)
        abort();
    for (l = 0; l < 4; l++) {
        for (i = 0; lists[l] && i < lists[l]->n; i++) {
            const struct chk_lex_entry *e = &lists[l]->entries[i];
            src[k].type = types[l];
            src[k].word = e->word;
            src[k].len = e->len;
            src[k].right = e->right;
            src[k].right_len = e->right_len;
            k++;
            if (e->right) {
                /* the right form is never a finding, even when it contains the wrong one
                 * (委员 -> 委员会) */
                src[k].type = LEXSCAN_WHITELIST;
                src[k].word = e->right;
                src[k].len = e->right_len;
                k++;
            }
        }
    }
    ls = lexscan_from_src(src, k);
    free(src);
    return ls;
}


struct lexscan *
lexscan_load_dir(const char *dir, char *err, size_t err_size)
{
    static const char *const files[4] = {"sensitive.txt", "whitelist.txt", "typos.txt",
                                         "names.txt"};
    struct chk_lexicon lex[4];
    struct lexscan *ls = NULL;
    char path[4096];
    int i;

    memset(lex, 0, sizeof(lex));
    for (i = 0; i < 4; i++) {
        FILE *f;
        snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
        f = fopen(path, "rb");
        if (f == NULL)
            continue; /* a missing list is an empty one */
        fclose(f);
        if (chk_lexicon_load(path, i >= 2, &lex[i], err, err_size) != 0)
            goto out;
    }
    ls = lexscan_build(&lex[0], &lex[1], &lex[2], &lex[3]);
out:
    for (i = 0; i < 4; i++)
        chk_lexicon_release(&lex[i]);
    return ls;
}


struct lexscan *
lexscan_from_entries(const struct jy_plugin_lex_entry *e, int n)
{
    struct lexscan_src *src = calloc(n > 0 ? 2 * (size_t) n : 1, sizeof(*src));
    struct lexscan *ls;
    size_t k = 0;
    int i;

    if (src == NULL)
        abort();
    for (i = 0; i < n; i++) {
        int type = strcmp(e[i].lexicon, "sensitive") == 0   ? LEXSCAN_SENSITIVE
                   : strcmp(e[i].lexicon, "whitelist") == 0 ? LEXSCAN_WHITELIST
                   : strcmp(e[i].lexicon, "typos") == 0     ? LEXSCAN_TYPO
                   : strcmp(e[i].lexicon, "names") == 0     ? LEXSCAN_NAME
                                                            : 0;
        if (type == 0 || e[i].entry == NULL || e[i].entry[0] == '\0')
            continue;
        if ((type == LEXSCAN_TYPO || type == LEXSCAN_NAME) &&
            (e[i].replacement == NULL || e[i].replacement[0] == '\0'))
            continue;
        src[k].type = type;
        src[k].word = e[i].entry;
        src[k].len = strlen(e[i].entry);
        if (type == LEXSCAN_TYPO || type == LEXSCAN_NAME) {
            src[k].right = e[i].replacement;
            src[k].right_len = strlen(e[i].replacement);
            k++;
            src[k].type = LEXSCAN_WHITELIST;
            src[k].word = e[i].replacement;
            src[k].len = strlen(e[i].replacement);
        }
        k++;
    }
    ls = lexscan_from_src(src, k);
    free(src);
    return ls;
}


void
lexscan_free(struct lexscan *ls)
{
    if (ls == NULL)
        return;
    chk_ac_free(ls->ac);
    free(ls->pats);
    free(ls->store);
    free(ls);
}


size_t
lexscan_patterns(const struct lexscan *ls)
{
    return ls->n;
}


const struct chk_ac *
lexscan_automaton(const struct lexscan *ls)
{
    return ls->ac;
}


struct hitlist {
    struct lexscan_hit *h;
    size_t n, cap;
    const struct lexscan *ls;
    int field;
};


static void
collect(void *data, uint32_t pattern, size_t start, size_t end)
{
    struct hitlist *hl = data;
    const struct lexscan_pat *p = &hl->ls->pats[pattern];

    if (hl->n == hl->cap) {
        hl->cap = hl->cap ? hl->cap * 2 : 16;
        hl->h = realloc(hl->h, hl->cap * sizeof(*hl->h));
        if (hl->h == NULL)
            abort();
    }
    hl->h[hl->n].type = p->type;
    hl->h[hl->n].field = hl->field;
    hl->h[hl->n].start = start;
    hl->h[hl->n].end = end;
    hl->h[hl->n].word = p->word;
    hl->h[hl->n].right = p->right;
    hl->n++;
}


/* Start ascending, longer first; on equal spans a whitelist phrase first (it covers the rest). */
static int
cmp_hit(const void *a, const void *b)
{
    const struct lexscan_hit *x = a, *y = b;

    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    if (x->end != y->end)
        return x->end > y->end ? -1 : 1;
    if ((x->type == LEXSCAN_WHITELIST) != (y->type == LEXSCAN_WHITELIST))
        return x->type == LEXSCAN_WHITELIST ? -1 : 1;
    return x->type - y->type;
}


void
lexscan_field(const struct lexscan *base, const struct lexscan *extra, int field, const char *text,
              size_t len, lexscan_fn fn, void *data)
{
    struct hitlist hl = {NULL, 0, 0, base, field};
    size_t i, max_end[LEXSCAN_NAME + 1] = {0}, white_end = 0;
    bool any[LEXSCAN_NAME + 1] = {false}, any_white = false;

    if (base)
        chk_ac_scan(base->ac, text, len, collect, &hl);
    if (extra) {
        hl.ls = extra;
        chk_ac_scan(extra->ac, text, len, collect, &hl);
    }
    if (hl.n == 0)
        return;
    /*
     * One sweep in that order: everything seen before a hit starts at or
     * before it, so the hit lies inside an earlier one exactly when that one
     * ends at or after it. Keeping the furthest end of the whitelist and of
     * each type seen so far answers both rules in O(n log n), whatever the
     * text (a body of nothing but listed words must not take quadratic time).
     */
    qsort(hl.h, hl.n, sizeof(*hl.h), cmp_hit);
    for (i = 0; i < hl.n; i++) {
        const struct lexscan_hit *h = &hl.h[i];
        int t = h->type;
        if (t == LEXSCAN_WHITELIST) {
            if (!any_white || h->end > white_end)
                white_end = h->end;
            any_white = true;
            continue;
        }
        if (!(any_white && white_end >= h->end) && !(any[t] && max_end[t] >= h->end))
            fn(data, h);
        if (!any[t] || h->end > max_end[t])
            max_end[t] = h->end;
        any[t] = true;
    }
    free(hl.h);
}
