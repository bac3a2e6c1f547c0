/*
 * fuzz_plaintext.c - rich text to paragraphs (core/plaintext.c) on
 * arbitrary bytes.
 *
 * Invariants beyond "no crash":
 *  - the text has no empty paragraph (no "\n\n", none at either end), no
 *    '\r', and its length is what strlen says;
 *  - every link lies inside the text; its URL is NUL-terminated;
 *  - valid UTF-8 in gives valid UTF-8 out;
 *  - jy_plaintext_position agrees with counting lines and characters.
 */
#include "core/compat.h"
#include "core/plaintext.h"
#include "core/pool.h"
#include "core/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct jy_pool *pool = jy_pool_create(0);
    struct jy_plaintext p;
    size_t i;

    jy_plaintext_from_html(pool, (const char *) data, size, &p);
    if (strlen(p.text) > p.len || (memchr(data, 0, size) == NULL && strlen(p.text) != p.len))
        abort();
    if (p.len && (p.text[0] == '\n' || p.text[p.len - 1] == '\n'))
        abort();
    for (i = 0; i + 1 < p.len; i++)
        if (p.text[i] == '\n' && p.text[i + 1] == '\n')
            abort();
    if (memchr(p.text, '\r', p.len))
        abort();
    for (i = 0; i < p.nlinks; i++)
        if (p.links[i].offset > p.len || p.links[i].len > p.len - p.links[i].offset ||
            p.links[i].url == NULL)
            abort();
    if (jy_utf8_valid((const char *) data, size, NULL) && !jy_utf8_valid(p.text, p.len, NULL))
        abort();
    if (p.len) {
        int para;
        size_t chars, lines = 1, at = p.len / 2, start = 0;
        for (i = 0; i < at; i++)
            if (p.text[i] == '\n') {
                lines++;
                start = i + 1;
            }
        jy_plaintext_position(p.text, p.len, at, &para, &chars);
        if ((size_t) para != lines || chars != jy_utf8_count(p.text + start, at - start))
            abort();
    }
    jy_pool_destroy(pool);
    return 0;
}
