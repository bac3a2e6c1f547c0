/*
 * fuzz_checkscan.c - the scanners of the content checks on arbitrary
 * bytes: the input is "patterns\0text", the patterns one per line.
 *
 * Invariants beyond "no crash":
 *  - the automaton reports exactly the occurrences a naive search finds
 *    (ASCII case folded), each with the right span;
 *  - lexscan findings lie inside the text, match their word, and none lies
 *    inside a whitelisted phrase;
 *  - personal data spans lie inside the text, do not overlap, and hold
 *    what their type says: an ID passes chk_id_valid, a card's digits pass
 *    Luhn, an e-mail holds one '@'.
 */
#include "core/compat.h"
#include "plugins/checks/lexscan.h"
#include "plugins/checks/scan.h"

#include <strings.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAXPAT 64

struct ac_count {
    size_t hits[MAXPAT];
    const char *text;
    const char *const *pats;
    const size_t *lens;
};


static void
ac_hit(void *d, uint32_t p, size_t start, size_t end)
{
    struct ac_count *c = d;

    if (p >= MAXPAT || end - start != c->lens[p] ||
        strncasecmp(c->text + start, c->pats[p], c->lens[p]) != 0)
        abort();
    c->hits[p]++;
}


static size_t
naive(const char *text, size_t len, const char *p, size_t plen)
{
    size_t i, n = 0;

    if (plen == 0)
        return 0;
    for (i = 0; i + plen <= len; i++)
        if (strncasecmp(text + i, p, plen) == 0)
            n++;
    return n;
}


struct pii_state {
    const char *text;
    size_t len, last_end;
};


static void
pii_hit(void *d, enum chk_pii_type type, size_t start, size_t end)
{
    struct pii_state *s = d;
    char digits[32];
    size_t i, n = 0;

    if (start >= end || end > s->len || start < s->last_end)
        abort();
    s->last_end = end;
    for (i = start; i < end && n < sizeof(digits); i++)
        if (s->text[i] >= '0' && s->text[i] <= '9')
            digits[n++] = s->text[i];
    if (type == CHK_PII_ID && !chk_id_valid(s->text + start, end - start, 2026))
        abort();
    if (type == CHK_PII_CARD && !chk_luhn_valid(digits, n))
        abort();
    if (type == CHK_PII_EMAIL && memchr(s->text + start, '@', end - start) == NULL)
        abort();
}


struct lex_state {
    const char *text;
    size_t len;
};


static void
lex_hit(void *d, const struct lexscan_hit *h)
{
    struct lex_state *s = d;

    if (h->end > s->len || h->start >= h->end || h->end - h->start != strlen(h->word) ||
        strncasecmp(s->text + h->start, h->word, h->end - h->start) != 0 ||
        h->type == LEXSCAN_WHITELIST)
        abort();
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *in = (const char *) data, *sep = memchr(in, '\0', size), *text;
    const char *pats[MAXPAT] = {NULL};
    size_t lens[MAXPAT] = {0}, np = 0, tlen, i;
    struct ac_count c;
    struct chk_ac *ac;

    if (sep == NULL)
        return 0;
    text = sep + 1;
    tlen = size - (size_t) (text - in);
    /* patterns: the lines before the NUL */
    {
        const char *p = in;
        while (p < sep && np < MAXPAT) {
            const char *nl = memchr(p, '\n', (size_t) (sep - p));
            size_t l = nl ? (size_t) (nl - p) : (size_t) (sep - p);
            pats[np] = p;
            lens[np] = l;
            np++;
            p += l + 1;
        }
    }
    memset(&c, 0, sizeof(c));
    c.text = text;
    c.pats = pats;
    c.lens = lens;
    ac = chk_ac_build(pats, lens, np);
    if (ac == NULL)
        abort();
    chk_ac_scan(ac, text, tlen, ac_hit, &c);
    for (i = 0; i < np; i++)
        if (c.hits[i] != naive(text, tlen, pats[i], lens[i]))
            abort();
    chk_ac_free(ac);

    /* the same patterns as a lexicon: odd ones sensitive, even ones whitelist */
    {
        char *wl = malloc((size_t) (sep - in) + 2), *sl = malloc((size_t) (sep - in) + 2);
        size_t wn = 0, sn = 0;
        struct chk_lexicon s, w;
        char err[256];
        struct lexscan *ls;
        struct lex_state st = {text, tlen};
        for (i = 0; i < np; i++) {
            char *dst = i % 2 ? sl : wl;
            size_t *dn = i % 2 ? &sn : &wn;
            memcpy(dst + *dn, pats[i], lens[i]);
            *dn += lens[i];
            dst[(*dn)++] = '\n';
        }
        if (chk_lexicon_parse("s", sl, sn, false, &s, err, sizeof(err)) == 0) {
            if (chk_lexicon_parse("w", wl, wn, false, &w, err, sizeof(err)) == 0) {
                ls = lexscan_build(&s, &w, NULL, NULL);
                lexscan_field(ls, NULL, 0, text, tlen, lex_hit, &st);
                lexscan_free(ls);
                chk_lexicon_release(&w);
            }
            chk_lexicon_release(&s);
        }
        free(wl);
        free(sl);
    }
    {
        struct pii_state ps = {text, tlen, 0};
        chk_pii_scan(text, tlen, 2026, pii_hit, &ps);
    }
    return 0;
}
