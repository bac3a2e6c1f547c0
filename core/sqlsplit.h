/*
 * sqlsplit.h - split a SQL script into statements, so that the migration
 * runner can run them one by one and name the statement that failed.
 *
 * Grammar understood (PostgreSQL lexical rules that can hide a ';'):
 *   'string' with '' inside, E'string' with backslash escapes,
 *   "identifier" with "" inside, -- comment to end of line,
 *   / * nested * / comments, $tag$ ... $tag$ dollar quoting.
 * A statement ends at a ';' outside all of these. Blank statements and
 * statements holding only comments are skipped. SQL-standard function
 * bodies (BEGIN ATOMIC ... END) are not understood: write $$ bodies.
 */
#ifndef JY_CORE_SQLSPLIT_H
#define JY_CORE_SQLSPLIT_H

#include <stdbool.h>
#include <stddef.h>

struct jy_sqlsplit {
    const char *sql; /* the whole script */
    size_t len;
    size_t pos;        /* where the next statement starts */
    int line;          /* line of pos, 1-based */
    bool unterminated; /* sticky: the script ended inside a quote or comment */
};

void jy_sqlsplit_init(struct jy_sqlsplit *s, const char *sql, size_t len);

/*
 * Find the next statement: *start and *stmt_len delimit it (without the
 * ';'), *line is the line it starts on. False at the end of the script.
 * *unterminated is set when the script ends inside a quote or comment.
 */
bool jy_sqlsplit_next(struct jy_sqlsplit *s, size_t *start, size_t *stmt_len, int *line,
                      bool *unterminated);

#endif /* JY_CORE_SQLSPLIT_H */
