/*
 * fuzz_server_words.c - the words of a mirror server's answer
 * (jy_push_server_words), which go into mirror_status and in front of
 * people: the status line and the body come from a server we do not
 * control.
 *
 * Input: the first byte is the output room (cap, 0..255), the second the
 * length of the status line; the status line follows, the rest is the body.
 *
 * Invariants beyond "no crash": the result fits cap with its NUL and its
 * length is what is returned; it is valid UTF-8 without control
 * characters; the body's part holds no "<" (tags are removed) and no two
 * spaces in a row; with room enough, an empty status reads "no answer".
 */
#include "core/compat.h"
#include "core/push.h"
#include "core/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char out[300];
    size_t cap, slen, n, i;
    const char *status, *body, *sep;


    if (size < 2)
        return 0;
    cap = data[0];
    slen = data[1] <= size - 2 ? data[1] : size - 2;
    status = (const char *) data + 2;
    body = status + slen;
    memset(out, 'X', sizeof(out));
    n = jy_push_server_words(status, slen, body, size - 2 - slen, out, cap);
    if (cap == 0)
        return 0;
    if (n >= cap || out[n] != '\0' || strlen(out) != n || out[cap] != 'X')
        abort();
    if (!jy_utf8_valid(out, n, NULL))
        abort();
    for (i = 0; i < n; i++)
        if ((unsigned char) out[i] < 0x20 || out[i] == 0x7f)
            abort();
    if (slen == 0 && cap > 10 && strncmp(out, "no answer", 9) != 0)
        abort();
    /* the body's part starts after the status part: check only when the status has no ": " */
    if (memmem(status, slen, ":", 1) == NULL && (sep = strstr(out, ": ")) != NULL) {
        if (strchr(sep + 2, '<') || strstr(sep + 2, "  "))
            abort();
    }
    return 0;
}
