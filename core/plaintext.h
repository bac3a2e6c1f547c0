/*
 * plaintext.h - the text an editor reads in a rich-text body, for the
 * content checks: one paragraph per line, with the links it holds.
 *
 * Rules (the positions of check findings are counted in this text):
 *  - block elements (p, div, h1-h6, li, tr, table, blockquote, pre, ...)
 *    and <br> end a paragraph; empty paragraphs are not kept, so paragraph
 *    N is the N-th block with text, as an editor counts on the page;
 *  - table cells of a row are one paragraph, cells separated by a TAB;
 *  - white space collapses to one space as a browser shows it, and none
 *    is kept at the start or end of a paragraph;
 *  - character references are decoded (&amp; &#20013; &#x4e2d; &nbsp;
 *    becomes a space); an unknown one stays as written;
 *  - script, style and comments are skipped;
 *  - <a href> records the link with the position of its text, <img src>
 *    the image with an empty text where it stands.
 * Paragraphs are separated by '\n'; the text holds no other '\n'. Valid
 * UTF-8 in gives valid UTF-8 out (a reference to an invalid code point
 * becomes U+FFFD).
 */
#ifndef JY_CORE_PLAINTEXT_H
#define JY_CORE_PLAINTEXT_H

#include <stddef.h>

struct jy_pool;

struct jy_plaintext_link {
    const char *url; /* decoded attribute value */
    size_t offset;   /* bytes into text where the link text starts */
    size_t len;      /* bytes of link text; 0 for an image */
};

struct jy_plaintext {
    char *text; /* NUL-terminated, in the pool */
    size_t len;
    struct jy_plaintext_link *links;
    size_t nlinks;
};

/* Convert html[0..len) into out (memory from pool). Never fails. */
void jy_plaintext_from_html(struct jy_pool *pool, const char *html, size_t len,
                            struct jy_plaintext *out);

/*
 * Where byte offset off of text lies: *paragraph (1-based: lines separated
 * by '\n') and *chars, the characters (code points) before it in that
 * paragraph (0-based).
 */
void jy_plaintext_position(const char *text, size_t len, size_t off, int *paragraph, size_t *chars);

#endif /* JY_CORE_PLAINTEXT_H */
