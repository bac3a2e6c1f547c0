/*
 * scan.h - the scanners behind the shipped checks, shared by the check
 * plugins, their tests, fuzz targets and tools/bench/bench_checks.c.
 *
 * Pure C with no dependency on the host (plugins link this into
 * themselves): a multi-pattern automaton over UTF-8 bytes, the lexicon file
 * parser and the personal-data scanner. Symbols start with chk_.
 */
#ifndef JY_PLUGINS_CHECKS_SCAN_H
#define JY_PLUGINS_CHECKS_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- Aho-Corasick --------------------------------------------------------
 *
 * Patterns are byte strings (UTF-8 words); ASCII letters match either case.
 * Because UTF-8 is self-synchronising, a match of a valid UTF-8 pattern in
 * valid UTF-8 text always starts and ends on character boundaries.
 *
 * Tables (built once, read-only afterwards, so one automaton serves every
 * thread): the root has a dense 256-entry transition table; every other
 * state keeps its goto edges sorted in one shared array (a state deep in a
 * word has one or two), a failure link, the pattern it completes and a
 * link to the next state on its failure chain that completes one. About
 * 14 bytes per state plus 5 per edge.
 */
struct chk_ac;

/* Called for each match: pattern index, start and end (exclusive) byte offsets. */
typedef void (*chk_ac_hit_fn)(void *data, uint32_t pattern, size_t start, size_t end);

/*
 * Build from n patterns (pats[i], lens[i]); empty patterns are ignored.
 * Duplicates are kept (each index reports). NULL only when n is too large
 * (over 2^31 states).
 */
struct chk_ac *chk_ac_build(const char *const *pats, const size_t *lens, size_t n);
void chk_ac_free(struct chk_ac *ac);

/* Report every occurrence of every pattern in text, overlapping ones too. */
void chk_ac_scan(const struct chk_ac *ac, const char *text, size_t len, chk_ac_hit_fn fn,
                 void *data);

/* States and bytes of the tables, for the benchmark. */
size_t chk_ac_states(const struct chk_ac *ac);
size_t chk_ac_bytes(const struct chk_ac *ac);

/* ---- lexicon files -------------------------------------------------------
 *
 * Format: UTF-8 text (a byte order mark at the start is skipped), one entry
 * per line. Blank lines and lines whose first non-blank character is '#'
 * are ignored; blanks around an entry are removed. A pair (typos, names)
 * is "wrong<TAB>right", "wrong -> right" or "wrong → right".
 *
 *     # 错别字
 *     按步就班 -> 按部就班
 *
 * Anything wrong (invalid UTF-8, a control character, an entry over
 * CHK_LEX_MAX_BYTES, a pair without its right side or a plain entry with
 * one) is an error naming the file and line, and nothing is returned.
 */
#define CHK_LEX_MAX_BYTES 256

struct chk_lex_entry {
    const char *word; /* NUL-terminated, inside the lexicon's storage */
    size_t len;
    const char *right; /* NULL for a plain list */
    size_t right_len;
    unsigned line;
};

struct chk_lexicon {
    struct chk_lex_entry *entries;
    size_t n;
    char *store; /* copies of the words */
};

/*
 * Parse text[0..len) named name (a path, for messages). pairs: every line is
 * a pair. JY-style result: 0, or -1 with err holding
 * "lexicon \"NAME\" line N: what is wrong".
 */
int chk_lexicon_parse(const char *name, const char *text, size_t len, bool pairs,
                      struct chk_lexicon *out, char *err, size_t err_size);
/* Read and parse a file; the same errors plus "cannot read ...". */
int chk_lexicon_load(const char *path, bool pairs, struct chk_lexicon *out, char *err,
                     size_t err_size);
void chk_lexicon_release(struct chk_lexicon *lex);

/* Is s[0..len) valid UTF-8 (RFC 3629: no overlongs, surrogates or > U+10FFFF)? */
bool chk_utf8_valid(const char *s, size_t len, size_t *bad_at);

/* ---- personal data -------------------------------------------------------
 *
 * Finds, in plain text:
 *  - resident ID numbers (居民身份证号码): 18 characters, 17 digits and a
 *    digit or X, region code of a province, a birth date that exists
 *    between 1900 and this year, and the ISO 7064 MOD 11-2 check character;
 *  - mobile numbers: 11 digits 1[3-9]..., optionally +86/86 in front and
 *    written 3-4-4 with spaces or hyphens;
 *  - bank cards: 15 to 19 digits (optionally in groups of four) with an
 *    issuer prefix of China UnionPay (62), Visa (4), Mastercard (51-55,
 *    2221-2720), American Express (34, 37, 15 digits), JCB (35) and a valid
 *    Luhn digit;
 *  - e-mail addresses: local@domain.tld.
 * A number only counts when it is not part of a longer run of digits or
 * letters, so dates, 文号, extensions, credit codes and table figures that
 * merely contain such digits are not reported.
 */
enum chk_pii_type { CHK_PII_ID = 1, CHK_PII_MOBILE, CHK_PII_CARD, CHK_PII_EMAIL };

typedef void (*chk_pii_fn)(void *data, enum chk_pii_type type, size_t start, size_t end);

/* year_now: the latest plausible birth year (tests pass a fixed one). */
void chk_pii_scan(const char *text, size_t len, int year_now, chk_pii_fn fn, void *data);

/* The checks behind the scanner, for tests: s holds exactly the number. */
bool chk_id_valid(const char *s, size_t len, int year_now);
bool chk_luhn_valid(const char *digits, size_t len);
const char *chk_pii_type_name(enum chk_pii_type type);

#endif /* JY_PLUGINS_CHECKS_SCAN_H */
