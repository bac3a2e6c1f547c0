/*
 * bench_checks.c - how fast the content checks scan (plugins/checks):
 * sensitive words + whitelist + typos + names (one Aho-Corasick automaton)
 * and personal data together, over the bodies of the benchmark corpus, on
 * one core; then what running the checks in the worker process costs per
 * document compared with running them in-process.
 *
 *   python3 /work/shared/bench/make_corpus.py --sites 100 --articles 20000 --out /tmp/medium
 *   build/bench/bench_checks /tmp/medium [LEXICON_ENTRIES] [RUNS]
 *   build/bench/bench_checks -          (generates the corpus into a temporary folder)
 *
 * The lexicon (default 12,000 entries: 8,000 sensitive words, 1,000
 * whitelist phrases, 2,000 typo pairs, 1,000 name pairs) is generated
 * deterministically: words of 2 to 6 characters drawn by frequency from
 * the corpus' own characters (so the automaton is as dense as a real
 * lexicon over this language), a few percent of them real phrases of the
 * corpus so that findings occur. Bodies are turned into paragraphs first
 * (timed apart). Prints MB/s of plain text and of HTML at the median of
 * RUNS (default 5) passes.
 */
#include "core/compat.h"
#include "core/buf.h"
#include "core/check.h"
#include "core/conf.h"
#include "core/err.h"
#include "core/plaintext.h"
#include "core/pool.h"
#include "core/utf8.h"
#include "plugins/checks/lexscan.h"
#include "plugins/checks/scan.h"

#include <cjson/cJSON.h>
#include <time.h>

/*
 * The scan passes are timed in CPU time of this thread: on a shared machine
 * wall-clock time counts the other processes' turns too, and the figure
 * asked for is what one core does. The worker comparison uses wall-clock
 * time, since it is about two processes.
 */
static double
cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}


static double
now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}


static uint64_t rng_state = 20240601;

static uint64_t
rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}


struct texts {
    char **text;
    size_t *len;
    size_t n, cap;
    size_t text_bytes, html_bytes;
};


static void
count_hit(void *data, const struct lexscan_hit *h)
{
    (void) h;
    (*(size_t *) data)++;
}


static void
count_pii(void *data, enum chk_pii_type type, size_t s, size_t e)
{
    (void) type;
    (void) s;
    (void) e;
    (*(size_t *) data)++;
}


static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return (x > y) - (x < y);
}


/* A CJK character (3 bytes) drawn by corpus frequency. */
struct charpool {
    char (*ch)[3];
    size_t n;
};


static void
random_word(const struct charpool *cp, char *out, size_t *len)
{
    size_t chars = 2 + rng() % 5, i;

    *len = 0;
    for (i = 0; i < chars; i++) {
        memcpy(out + *len, cp->ch[rng() % cp->n], 3);
        *len += 3;
    }
}


/* A phrase of the corpus: 2 to 5 characters at a random place of a random text. */
static bool
corpus_phrase(const struct texts *t, char *out, size_t *len)
{
    size_t k = rng() % t->n, at, chars = 4 + rng() % 3, i;
    const char *s = t->text[k];

    if (t->len[k] < 64)
        return false;
    at = rng() % (t->len[k] - 32);
    while (at < t->len[k] && ((unsigned char) s[at] & 0xC0) == 0x80)
        at++;
    *len = 0;
    for (i = 0; i < chars; i++) {
        uint32_t cp;
        size_t n = jy_utf8_decode(s + at + *len, t->len[k] - at - *len, &cp);
        if (n != 3 || !jy_utf8_is_cjk(cp))
            return false;
        *len += n;
    }
    memcpy(out, s + at, *len);
    return true;
}


static char *
make_lexicon_text(const struct texts *t, const struct charpool *cp, size_t n, bool pairs,
                  size_t *out_len)
{
    struct jy_buf b;
    struct jy_pool *pool = jy_pool_create(0);
    char w[64], r[64];
    size_t wl, rl, i;
    char *res;

    jy_buf_init(&b, pool, n * 16);
    for (i = 0; i < n; i++) {
        if (rng() % 1000 < 5 ? !corpus_phrase(t, w, &wl) : (random_word(cp, w, &wl), false))
            random_word(cp, w, &wl);
        jy_buf_add(&b, w, wl);
        if (pairs) {
            random_word(cp, r, &rl);
            jy_buf_add_str(&b, " -> ");
            jy_buf_add(&b, r, rl);
        }
        jy_buf_add_char(&b, '\n');
    }
    res = jy_xmalloc(b.len + 1);
    memcpy(res, b.buf, b.len + 1);
    *out_len = b.len;
    jy_pool_destroy(pool);
    return res;
}


static void
load_corpus(const char *dir, struct texts *t, struct jy_pool *pool)
{
    char path[4096], *line = NULL;
    size_t cap = 0;
    ssize_t got;
    FILE *f;

    snprintf(path, sizeof(path), "%s/articles.jsonl", dir);
    f = fopen(path, "r");
    if (f == NULL) {
        fprintf(stderr, "cannot open \"%s\": %s\n", path, strerror(errno));
        exit(1);
    }
    while ((got = getline(&line, &cap, f)) > 0) {
        cJSON *o = cJSON_ParseWithLength(line, (size_t) got);
        const cJSON *body = cJSON_GetObjectItemCaseSensitive(o, "body");
        if (cJSON_IsString(body)) {
            struct jy_plaintext pt;
            size_t blen = strlen(body->valuestring);
            jy_plaintext_from_html(pool, body->valuestring, blen, &pt);
            if (t->n == t->cap) {
                t->cap = t->cap ? t->cap * 2 : 1024;
                t->text = jy_xrealloc(t->text, t->cap * sizeof(char *));
                t->len = jy_xrealloc(t->len, t->cap * sizeof(size_t));
            }
            t->text[t->n] = pt.text;
            t->len[t->n] = pt.len;
            t->n++;
            t->text_bytes += pt.len;
            t->html_bytes += blen;
        }
        cJSON_Delete(o);
    }
    free(line);
    fclose(f);
}


static int
cmp_count(const void *a, const void *b)
{
    const size_t *x = a, *y = b;
    return (x[1] < y[1]) - (x[1] > y[1]);
}


static void
build_charpool(const struct texts *t, struct charpool *cp)
{
    /* counts of code points U+4E00..U+9FFF, the most frequent 2,500 kept */
    size_t(*cnt)[2] = calloc(0x5200, sizeof(*cnt)), i, k;

    for (i = 0; i < 0x5200; i++)
        cnt[i][0] = i;
    for (k = 0; k < t->n && k < 2000; k++) {
        const char *s = t->text[k];
        size_t at = 0;
        while (at < t->len[k]) {
            uint32_t c;
            size_t n = jy_utf8_decode(s + at, t->len[k] - at, &c);
            if (n == 0)
                n = 1;
            if (c >= 0x4E00 && c < 0x4E00 + 0x5200)
                cnt[c - 0x4E00][1]++;
            at += n;
        }
    }
    qsort(cnt, 0x5200, sizeof(*cnt), cmp_count);
    cp->n = 0;
    cp->ch = jy_xmalloc(2500 * 3);
    for (i = 0; i < 2500 && cnt[i][1] > 0; i++)
        jy_utf8_encode((uint32_t) (0x4E00 + cnt[i][0]), cp->ch[cp->n++]);
    free(cnt);
}


static double
median(double *v, int n)
{
    qsort(v, (size_t) n, sizeof(double), cmp_double);
    return v[n / 2];
}


/* Worker overhead: the same documents through jy_check_text, isolated and in-process. */
static void
bench_worker(const struct texts *t, size_t docs)
{
    struct jy_pool *pool = jy_pool_create(0);
    struct jy_conf *conf = jy_conf_create(pool);
    struct jy_err err = JY_ERR_INIT;
    double ms[2];
    int mode;

    jy_conf_set(conf, "check_isolate", "1", JY_CONF_FLAG, "bench", &err);
    for (mode = 0; mode < 2; mode++) {
        struct jy_pool *run = jy_pool_create(0);
        struct jy_check_findings f;
        double t0;
        size_t i;
        jy_conf_set(conf, "check_isolate", mode == 0 ? "0" : "1", JY_CONF_FLAG, "bench", &err);
        if (jy_check_setup(conf, NULL, &err) != JY_OK) {
            jy_err_print(&err);
            exit(1);
        }
        /* warm up: the worker is forked by the first document */
        jy_check_text(NULL, run, 0, NULL, t->text[0], t->len[0], JY_CHECK_PUBLISH, &f, &err);
        t0 = now_s();
        for (i = 0; i < docs; i++) {
            jy_pool_reset(run);
            if (jy_check_text(NULL, run, 0, NULL, t->text[i % t->n], t->len[i % t->n],
                              JY_CHECK_PUBLISH, &f, &err) != JY_OK) {
                jy_err_print(&err);
                exit(1);
            }
        }
        ms[mode] = (now_s() - t0) * 1e3 / (double) docs;
        jy_check_shutdown();
        jy_pool_destroy(run);
    }
    printf("checks per document (all shipped plugins, default lexicons, %zu docs): in-process "
           "%.3f ms, in the worker %.3f ms, worker overhead %.1f us per document\n",
           docs, ms[0], ms[1], (ms[1] - ms[0]) * 1e3);
    jy_pool_destroy(pool);
}


int
main(int argc, char **argv)
{
    struct jy_pool *pool = jy_pool_create(1 << 20);
    struct texts t;
    struct charpool cp;
    size_t entries = argc > 2 ? strtoul(argv[2], NULL, 10) : 12000;
    int runs = argc > 3 ? atoi(argv[3]) : 5, r;
    struct chk_lexicon lex[4];
    size_t nlex[4], i, lens[4];
    char *texts[4], err[256];
    struct lexscan *ls;
    double t0, *secs, load_s, build_s;
    const char *corpus_dir;
    bool generated = false;

    if (argc < 2 || strcmp(argv[1], "--help") == 0) {
        fprintf(stderr, "usage: bench_checks CORPUS_DIR|- [LEXICON_ENTRIES] [RUNS]\n"
                        "  - generates the medium corpus into a temporary folder with\n"
                        "  " JY_SOURCE_DIR "/../shared/bench/make_corpus.py\n");
        return 2;
    }
    if (strcmp(argv[1], "-") == 0) {
        char tmpl[] = "/tmp/bench_checks.XXXXXX";
        if (mkdtemp(tmpl) == NULL) {
            perror("mkdtemp");
            return 1;
        }
        corpus_dir = jy_pool_strdup(pool, tmpl);
        fprintf(stderr, "generating the medium corpus into %s ...\n", corpus_dir);
        if (system(jy_pool_printf(pool,
                                  "python3 %s/../shared/bench/make_corpus.py --sites 100 "
                                  "--articles 20000 --out %s 2>/dev/null",
                                  JY_SOURCE_DIR, corpus_dir)) != 0) {
            fprintf(stderr, "could not generate the corpus\n");
            return 1;
        }
        generated = true;
    } else {
        corpus_dir = argv[1];
    }
    memset(&t, 0, sizeof(t));
    t0 = now_s();
    load_corpus(corpus_dir, &t, pool);
    if (generated) {
        if (system(jy_pool_printf(pool, "rm -rf %s", corpus_dir)) != 0)
            fprintf(stderr, "could not remove %s\n", corpus_dir);
    }
    load_s = now_s() - t0;
    if (t.n == 0) {
        fprintf(stderr, "no bodies in %s/articles.jsonl\n", corpus_dir);
        return 1;
    }
    build_charpool(&t, &cp);
    nlex[0] = entries * 2 / 3;
    nlex[1] = entries / 12;
    nlex[2] = entries / 6;
    nlex[3] = entries - nlex[0] - nlex[1] - nlex[2];
    for (i = 0; i < 4; i++) {
        texts[i] = make_lexicon_text(&t, &cp, nlex[i], i >= 2, &lens[i]);
        if (chk_lexicon_parse("generated", texts[i], lens[i], i >= 2, &lex[i], err, sizeof(err))) {
            fprintf(stderr, "%s\n", err);
            return 1;
        }
    }
    t0 = now_s();
    ls = lexscan_build(&lex[0], &lex[1], &lex[2], &lex[3]);
    build_s = now_s() - t0;
    printf("corpus: %zu bodies, %.1f MB HTML, %.1f MB text (HTML to paragraphs incl. JSON: "
           "%.2f s)\n",
           t.n, (double) t.html_bytes / 1e6, (double) t.text_bytes / 1e6, load_s);
    printf("lexicon: %zu entries (%zu sensitive, %zu whitelist, %zu typo pairs, %zu name pairs), "
           "automaton %zu states, %.1f MB tables, built in %.0f ms\n",
           entries, nlex[0], nlex[1], nlex[2], nlex[3], chk_ac_states(lexscan_automaton(ls)),
           (double) chk_ac_bytes(lexscan_automaton(ls)) / 1e6, build_s * 1e3);
    secs = calloc((size_t) runs, sizeof(double));
    for (r = 0; r < runs; r++) {
        size_t lexhits = 0, piihits = 0;
        t0 = cpu_s();
        for (i = 0; i < t.n; i++) {
            lexscan_field(ls, NULL, 0, t.text[i], t.len[i], count_hit, &lexhits);
            chk_pii_scan(t.text[i], t.len[i], 2026, count_pii, &piihits);
        }
        secs[r] = cpu_s() - t0;
        if (r == 0)
            printf("findings per pass: %zu lexicon, %zu personal data\n", lexhits, piihits);
    }
    {
        double m = median(secs, runs);
        printf("words + whitelist + typos + names + personal data, one core: %.3f s per pass, "
               "%.1f MB/s of text (%.1f MB/s of HTML bodies), median of %d, CPU time\n",
               m, (double) t.text_bytes / 1e6 / m, (double) t.html_bytes / 1e6 / m, runs);
    }
    for (r = 0; r < runs; r++) {
        size_t lexhits = 0;
        t0 = cpu_s();
        for (i = 0; i < t.n; i++)
            lexscan_field(ls, NULL, 0, t.text[i], t.len[i], count_hit, &lexhits);
        secs[r] = cpu_s() - t0;
    }
    printf("  of which words, whitelist, typos and names alone: %.1f MB/s\n",
           (double) t.text_bytes / 1e6 / median(secs, runs));
    for (r = 0; r < runs; r++) {
        size_t piihits = 0;
        t0 = cpu_s();
        for (i = 0; i < t.n; i++)
            chk_pii_scan(t.text[i], t.len[i], 2026, count_pii, &piihits);
        secs[r] = cpu_s() - t0;
    }
    printf("  of which personal data alone: %.1f MB/s\n",
           (double) t.text_bytes / 1e6 / median(secs, runs));
    bench_worker(&t, 2000);
    lexscan_free(ls);
    for (i = 0; i < 4; i++) {
        chk_lexicon_release(&lex[i]);
        free(texts[i]);
    }
    free(secs);
    free(cp.ch);
    free(t.text);
    free(t.len);
    jy_pool_destroy(pool);
    return 0;
}
