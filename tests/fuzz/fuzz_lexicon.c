/*
 * fuzz_lexicon.c - the lexicon file parser of the content checks
 * (plugins/checks/lexicon.c) on arbitrary bytes. The first byte chooses a
 * word list or a pair list.
 *
 * Invariants beyond "no crash":
 *  - failure: the message starts with `lexicon "fuzz" line N:` with N
 *    within the input's lines, and nothing is returned;
 *  - success: every entry is valid UTF-8, non-empty, without control
 *    characters or surrounding blanks, at most CHK_LEX_MAX_BYTES, with a
 *    right side exactly in pair lists, and lines strictly increase.
 */
#include "core/compat.h"
#include "plugins/checks/scan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


static void
check_entry(const char *s, size_t len)
{
    size_t i;

    if (len == 0 || len > CHK_LEX_MAX_BYTES || strlen(s) != len || !chk_utf8_valid(s, len, NULL))
        abort();
    for (i = 0; i < len; i++)
        if ((unsigned char) s[i] < 0x20 || s[i] == 0x7f)
            abort();
    if (s[0] == ' ' || s[len - 1] == ' ')
        abort();
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct chk_lexicon lex;
    char err[512];
    bool pairs;
    size_t i, lines = 1;
    unsigned last = 0;

    if (size == 0)
        return 0;
    pairs = data[0] & 1;
    data++;
    size--;
    for (i = 0; i < size; i++)
        lines += data[i] == '\n';
    if (chk_lexicon_parse("fuzz", (const char *) data, size, pairs, &lex, err, sizeof(err)) != 0) {
        unsigned long n;
        if (strncmp(err, "lexicon \"fuzz\" line ", 20) != 0 || lex.n != 0 || lex.entries != NULL)
            abort();
        n = strtoul(err + 20, NULL, 10);
        if (n < 1 || n > lines)
            abort();
        return 0;
    }
    for (i = 0; i < lex.n; i++) {
        const struct chk_lex_entry *e = &lex.entries[i];
        check_entry(e->word, e->len);
        if ((e->right != NULL) != pairs)
            abort();
        if (e->right)
            check_entry(e->right, e->right_len);
        if (e->line <= last || e->line > lines)
            abort();
        last = e->line;
    }
    chk_lexicon_release(&lex);
    return 0;
}
