/*
 * lexicon.c - lexicon files of the content checks (format in scan.h).
 *
 * All or nothing: the whole file is parsed into a scratch list first, and
 * only a file without any error is handed back, so a broken lexicon never
 * half-replaces a working one.
 */
#include "plugins/checks/scan.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool
chk_utf8_valid(const char *s, size_t len, size_t *bad_at)
{
    const uint8_t *p = (const uint8_t *) s;
    size_t i = 0;

    while (i < len) {
        uint8_t c = p[i];
        size_t need;
        uint32_t cp;
        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF) {
            need = 1;
            cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            need = 2;
            cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            need = 3;
            cp = c & 0x07;
        } else {
            goto bad;
        }
        if (len - i <= need)
            goto bad;
        for (size_t k = 1; k <= need; k++) {
            if ((p[i + k] & 0xC0) != 0x80)
                goto bad;
            cp = (cp << 6) | (p[i + k] & 0x3F);
        }
        if ((need == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
            (need == 3 && (cp < 0x10000 || cp > 0x10FFFF)))
            goto bad;
        i += need + 1;
    }
    return true;
bad:
    if (bad_at)
        *bad_at = i;
    return false;
}


static void lex_err(char *err, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
lex_err(char *err, size_t size, const char *fmt, ...)
{
    va_list ap;

    if (size == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(err, size, fmt, ap);
    va_end(ap);
}


static bool
is_blank(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\r';
}


/* Trim blanks (ASCII and the ideographic space U+3000) on both sides. */
static void
trim(const char **s, size_t *len)
{
    for (;;) {
        if (*len && is_blank((uint8_t) * *s)) {
            (*s)++;
            (*len)--;
        } else if (*len >= 3 && memcmp(*s, "\xe3\x80\x80", 3) == 0) {
            *s += 3;
            *len -= 3;
        } else {
            break;
        }
    }
    for (;;) {
        if (*len && is_blank((uint8_t) (*s)[*len - 1]))
            (*len)--;
        else if (*len >= 3 && memcmp(*s + *len - 3, "\xe3\x80\x80", 3) == 0)
            *len -= 3;
        else
            break;
    }
}


/* Find the separator of a pair: TAB, "->" or "→" (U+2192). */
static const char *
find_sep(const char *s, size_t len, size_t *sep_len)
{
    size_t i;

    for (i = 0; i < len; i++) {
        if (s[i] == '\t') {
            *sep_len = 1;
            return s + i;
        }
        if (s[i] == '-' && i + 1 < len && s[i + 1] == '>') {
            *sep_len = 2;
            return s + i;
        }
        if (i + 2 < len && memcmp(s + i, "\xe2\x86\x92", 3) == 0) {
            *sep_len = 3;
            return s + i;
        }
    }
    return NULL;
}


static bool
has_control(const char *s, size_t len)
{
    size_t i;

    for (i = 0; i < len; i++)
        if ((uint8_t) s[i] < 0x20 || s[i] == 0x7f)
            return true;
    return false;
}


int
chk_lexicon_parse(const char *name, const char *text, size_t len, bool pairs,
                  struct chk_lexicon *out, char *err, size_t err_size)
{
    struct chk_lex_entry *ents = NULL;
    size_t n = 0, cap = 0, store_len = 0, pos = 0, bad;
    unsigned line = 0;
    char *store;

    memset(out, 0, sizeof(*out));
    if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
        pos = 3;
    while (pos < len) {
        const char *l = text + pos, *nl = memchr(l, '\n', len - pos), *w, *r = NULL, *sep;
        size_t ll = nl ? (size_t) (nl - l) : len - pos, wl, rl = 0, sl;
        pos += ll + (nl != NULL);
        line++;
        if (!chk_utf8_valid(l, ll, &bad)) {
            lex_err(err, err_size, "lexicon \"%s\" line %u: invalid UTF-8 at byte %zu", name, line,
                    bad + 1);
            goto fail;
        }
        w = l;
        wl = ll;
        trim(&w, &wl);
        if (wl == 0 || w[0] == '#')
            continue;
        sep = find_sep(w, wl, &sl);
        if (sep) {
            r = sep + sl;
            rl = wl - (size_t) (r - w);
            wl = (size_t) (sep - w);
            trim(&w, &wl);
            trim(&r, &rl);
        }
        if (has_control(w, wl) || (r && has_control(r, rl))) {
            lex_err(err, err_size, "lexicon \"%s\" line %u: control character in entry", name,
                    line);
            goto fail;
        }
        if (wl == 0) {
            lex_err(err, err_size, "lexicon \"%s\" line %u: empty entry before the separator", name,
                    line);
            goto fail;
        }
        if (pairs && (r == NULL || rl == 0)) {
            lex_err(err, err_size,
                    "lexicon \"%s\" line %u: \"%.*s\" has no correction (write wrong -> right)",
                    name, line, (int) wl, w);
            goto fail;
        }
        if (!pairs && r != NULL) {
            lex_err(err, err_size,
                    "lexicon \"%s\" line %u: a word list takes one entry per line, not a pair",
                    name, line);
            goto fail;
        }
        if (wl > CHK_LEX_MAX_BYTES || rl > CHK_LEX_MAX_BYTES) {
            lex_err(err, err_size, "lexicon \"%s\" line %u: entry longer than %d bytes", name, line,
                    CHK_LEX_MAX_BYTES);
            goto fail;
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            ents = realloc(ents, cap * sizeof(*ents));
            if (ents == NULL)
                abort();
        }
        ents[n].word = w; /* pointers into text until copied below */
        ents[n].len = wl;
        ents[n].right = r;
        ents[n].right_len = rl;
        ents[n].line = line;
        n++;
        store_len += wl + 1 + (r ? rl + 1 : 0);
    }
    store = malloc(store_len ? store_len : 1);
    if (store == NULL)
        abort();
    store_len = 0;
    for (size_t i = 0; i < n; i++) {
        char *w = store + store_len;
        memcpy(w, ents[i].word, ents[i].len);
        w[ents[i].len] = '\0';
        store_len += ents[i].len + 1;
        ents[i].word = w;
        if (ents[i].right) {
            char *r = store + store_len;
            memcpy(r, ents[i].right, ents[i].right_len);
            r[ents[i].right_len] = '\0';
            store_len += ents[i].right_len + 1;
            ents[i].right = r;
        }
    }
    out->entries = ents;
    out->n = n;
    out->store = store;
    return 0;
fail:
    free(ents);
    return -1;
}


int
chk_lexicon_load(const char *path, bool pairs, struct chk_lexicon *out, char *err, size_t err_size)
{
    FILE *f = fopen(path, "rb");
    char *text = NULL;
    size_t len = 0, cap = 0, got;
    int rc;

    memset(out, 0, sizeof(*out));
    if (f == NULL) {
        lex_err(err, err_size, "cannot read lexicon \"%s\": %s", path, strerror(errno));
        return -1;
    }
    for (;;) {
        if (cap - len < 65536) {
            cap = cap ? cap * 2 : 65536;
            if (cap > ((size_t) 256 << 20)) {
                lex_err(err, err_size, "lexicon \"%s\" is larger than 256 MiB", path);
                free(text);
                fclose(f);
                return -1;
            }
            text = realloc(text, cap);
            if (text == NULL)
                abort();
        }
        got = fread(text + len, 1, cap - len, f);
        len += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        lex_err(err, err_size, "cannot read lexicon \"%s\": %s", path, strerror(errno));
        free(text);
        fclose(f);
        return -1;
    }
    fclose(f);
    rc = chk_lexicon_parse(path, text, len, pairs, out, err, err_size);
    free(text);
    return rc;
}


void
chk_lexicon_release(struct chk_lexicon *lex)
{
    free(lex->entries);
    free(lex->store);
    memset(lex, 0, sizeof(*lex));
}
