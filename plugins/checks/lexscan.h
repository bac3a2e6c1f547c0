/*
 * lexscan.h - sensitive words, whitelist, typos and names in one automaton:
 * the matching behind plugin "lexicon", shared with its tests and
 * tools/bench/bench_checks.c.
 *
 * Rules applied to the raw matches of one field:
 *  - a match that lies inside a whitelist phrase (基督教 around a listed
 *    word, 自杀式 in 防止自杀式...) is dropped, whatever its type;
 *  - a match that lies inside a longer match of the same type is dropped
 *    (report 法轮功 once, not also 法轮);
 *  - the rest are reported in text order.
 */
#ifndef JY_PLUGINS_CHECKS_LEXSCAN_H
#define JY_PLUGINS_CHECKS_LEXSCAN_H

#include "plugins/checks/scan.h"

struct jy_plugin_lex_entry;
struct lexscan;

enum { LEXSCAN_SENSITIVE = 1, LEXSCAN_WHITELIST, LEXSCAN_TYPO, LEXSCAN_NAME };

struct lexscan_hit {
    int type; /* LEXSCAN_SENSITIVE, _TYPO or _NAME */
    int field;
    size_t start, end; /* bytes */
    const char *word;
    const char *right; /* NULL for sensitive words */
};

typedef void (*lexscan_fn)(void *data, const struct lexscan_hit *hit);

/*
 * Build from parsed lexicons (any may be NULL): sensitive and whitelist are
 * word lists, typos and names pair lists. The lexicons must outlive the
 * result only if keep is false; the scanner copies what it needs.
 */
struct lexscan *lexscan_build(const struct chk_lexicon *sensitive,
                              const struct chk_lexicon *whitelist, const struct chk_lexicon *typos,
                              const struct chk_lexicon *names);

/* Load sensitive.txt, whitelist.txt, typos.txt, names.txt of dir (missing = empty). */
struct lexscan *lexscan_load_dir(const char *dir, char *err, size_t err_size);

/* From a site's entries (lexicon "sensitive", "whitelist", "typos", "names"). */
struct lexscan *lexscan_from_entries(const struct jy_plugin_lex_entry *e, int n);

void lexscan_free(struct lexscan *ls);

/*
 * Scan one field with base and, when not NULL, extra (a site's entries;
 * its whitelist also silences base matches and the other way round).
 */
void lexscan_field(const struct lexscan *base, const struct lexscan *extra, int field,
                   const char *text, size_t len, lexscan_fn fn, void *data);

size_t lexscan_patterns(const struct lexscan *ls);
const struct chk_ac *lexscan_automaton(const struct lexscan *ls);

#endif /* JY_PLUGINS_CHECKS_LEXSCAN_H */
