/*
 * fuzz_sqlsplit.c - the migration statement splitter on arbitrary bytes.
 * Invariants: statements are in order, inside the input, never overlap,
 * line numbers never decrease, and the loop ends.
 */
#include "core/compat.h"
#include "core/sqlsplit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct jy_sqlsplit s;
    size_t start, len, prev_end = 0, count = 0;
    int line, prev_line = 1;
    bool u;

    jy_sqlsplit_init(&s, (const char *) data, size);
    while (jy_sqlsplit_next(&s, &start, &len, &line, &u)) {
        if (start < prev_end || start + len > size || line < prev_line || len == 0)
            abort();
        prev_end = start + len;
        prev_line = line;
        if (++count > size + 1)
            abort(); /* every statement consumes input: no endless loop */
    }
    return 0;
}
