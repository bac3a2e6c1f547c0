/*
 * sqlsplit.c - statement splitter for SQL scripts; see sqlsplit.h.
 */
#include "core/compat.h"
#include "core/sqlsplit.h"


void
jy_sqlsplit_init(struct jy_sqlsplit *s, const char *sql, size_t len)
{
    s->sql = sql;
    s->len = len;
    s->pos = 0;
    s->line = 1;
    s->unterminated = false;
}


static bool
is_ident_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           (unsigned char) c >= 0x80;
}


/* Length of a dollar-quote tag at p ("$$" or "$abc$"), 0 when p starts none. */
static size_t
dollar_tag(const char *p, size_t avail)
{
    size_t i = 1;

    if (avail < 2 || p[0] != '$')
        return 0;
    if (p[1] >= '0' && p[1] <= '9')
        return 0; /* $1 is a parameter */
    while (i < avail && p[i] != '$') {
        if (!is_ident_char(p[i]))
            return 0;
        i++;
    }
    return i < avail ? i + 1 : 0;
}


bool
jy_sqlsplit_next(struct jy_sqlsplit *s, size_t *start, size_t *stmt_len, int *line,
                 bool *unterminated)
{
    const char *q = s->sql;
    size_t n = s->len, i;

    *unterminated = false;
    for (;;) {
        bool content = false;
        size_t first = s->pos;
        int first_line = s->line;

        i = s->pos;
        while (i < n) {
            char c = q[i];
            if (c == '\n') {
                s->line++;
                i++;
            } else if (c == ' ' || c == '\t' || c == '\r' || c == '\f') {
                i++;
            } else if (c == '-' && i + 1 < n && q[i + 1] == '-') {
                while (i < n && q[i] != '\n')
                    i++;
            } else if (c == '/' && i + 1 < n && q[i + 1] == '*') {
                int depth = 1;
                i += 2;
                while (i < n && depth > 0) {
                    if (q[i] == '/' && i + 1 < n && q[i + 1] == '*') {
                        depth++;
                        i += 2;
                    } else if (q[i] == '*' && i + 1 < n && q[i + 1] == '/') {
                        depth--;
                        i += 2;
                    } else {
                        s->line += q[i] == '\n';
                        i++;
                    }
                }
                if (depth > 0)
                    *unterminated = true;
            } else if (c == ';') {
                i++;
                break;
            } else {
                size_t tag;
                if (!content) {
                    content = true;
                    first = i;
                    first_line = s->line;
                }
                if (c == '\'' || c == '"') {
                    bool backslash = c == '\'' && i > 0 && (q[i - 1] == 'E' || q[i - 1] == 'e') &&
                                     (i < 2 || !is_ident_char(q[i - 2]));
                    char quote = c;
                    i++;
                    for (;;) {
                        if (i >= n) {
                            *unterminated = true;
                            break;
                        }
                        if (q[i] == '\n')
                            s->line++;
                        if (backslash && q[i] == '\\' && i + 1 < n) {
                            s->line += q[i + 1] == '\n';
                            i += 2;
                            continue;
                        }
                        if (q[i] == quote) {
                            if (i + 1 < n && q[i + 1] == quote) {
                                i += 2;
                                continue;
                            }
                            i++;
                            break;
                        }
                        i++;
                    }
                } else if (c == '$' && (i == 0 || !is_ident_char(q[i - 1])) &&
                           (tag = dollar_tag(q + i, n - i)) > 0) {
                    size_t body = i + tag;
                    bool closed = false;
                    for (i = body; i + tag <= n; i++) {
                        if (q[i] == '$' && memcmp(q + i, q + body - tag, tag) == 0) {
                            i += tag;
                            closed = true;
                            break;
                        }
                        s->line += q[i] == '\n';
                    }
                    if (!closed) {
                        for (; i < n; i++)
                            s->line += q[i] == '\n';
                        *unterminated = true;
                    }
                } else {
                    i++;
                }
            }
        }
        s->unterminated |= *unterminated;
        if (content) {
            size_t end = i;
            if (end > first && q[end - 1] == ';')
                end--;
            /* trim trailing blanks and comments are harmless: keep them */
            s->pos = i;
            *start = first;
            *stmt_len = end - first;
            *line = first_line;
            return true;
        }
        s->pos = i;
        if (i >= n)
            return false;
    }
}
