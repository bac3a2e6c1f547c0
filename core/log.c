/*
 * log.c - logfmt lines written atomically; see log.h.
 */
#include "core/compat.h"
#include "core/log.h"
#include "core/utf8.h"

#include <sys/time.h>
#include <time.h>
#include <unistd.h>

/* Platform time zone: logs are read by people in China Standard Time. */
#define LOG_OFFSET_MIN 480
#define LOG_LINE_MAX   4096

enum jy_log_level jy_log_min_level = JY_LOG_INFO;

static int log_fd = 2;
static _Thread_local char log_request_id[40];

static const char *const level_names[] = {"debug", "info", "warn", "error", "off"};


void
jy_log_set_fd(int fd)
{
    log_fd = fd;
}


int
jy_log_level_parse(const char *name)
{
    size_t i;

    if (name == NULL)
        return -1;
    for (i = 0; i < JY_ARRAY_LEN(level_names); i++)
        if (strcmp(name, level_names[i]) == 0)
            return (int) i;
    return -1;
}


const char *
jy_log_level_name(enum jy_log_level level)
{
    return (unsigned) level < JY_ARRAY_LEN(level_names) ? level_names[level] : "?";
}


/*
 * The id may come from a client's X-Request-Id header: anything but
 * letters, digits and "-_.:" becomes "_", so a crafted id cannot add fields
 * or lines to the log.
 */
void
jy_log_set_request_id(const char *id)
{
    size_t i;

    for (i = 0; id && id[i] && i < sizeof(log_request_id) - 1; i++) {
        char c = id[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '_' || c == '.' || c == ':';
        log_request_id[i] = ok ? c : '_';
    }
    log_request_id[i] = '\0';
}


const char *
jy_log_request_id(void)
{
    return log_request_id;
}


void
jy_log_format_time(char *dst, long long t, int ms, int offset_min)
{
    /* keep every field in range so the text always fits in 32 bytes */
    const long long max_t = 253402300799LL; /* 9999-12-31T23:59:59Z */
    struct tm tm;
    time_t local;
    unsigned off;

    if (offset_min < -1439 || offset_min > 1439)
        offset_min = 0;
    if (ms < 0 || ms > 999)
        ms = 0;
    t += offset_min * 60LL;
    if (t < 0)
        t = 0;
    if (t > max_t)
        t = max_t;
    local = (time_t) t;
    if (gmtime_r(&local, &tm) == NULL)
        memset(&tm, 0, sizeof(tm));
    off = (unsigned) (offset_min < 0 ? -offset_min : offset_min);
    /* the modulos are no-ops after the clamping; they let the compiler see the widths */
    snprintf(dst, 32, "%04u-%02u-%02uT%02u:%02u:%02u.%03u%c%02u:%02u",
             (unsigned) (tm.tm_year + 1900) % 10000, (unsigned) (tm.tm_mon + 1) % 100,
             (unsigned) tm.tm_mday % 100, (unsigned) tm.tm_hour % 100, (unsigned) tm.tm_min % 100,
             (unsigned) tm.tm_sec % 100, (unsigned) ms % 1000, offset_min < 0 ? '-' : '+',
             off / 60 % 100, off % 60);
}


/*
 * Append msg as a quoted logfmt value. Quotes and backslashes are escaped,
 * newlines and other control characters become \n, \r, \t or \xNN so one
 * event stays one line, and bytes that are not UTF-8 become \xNN so the
 * log stays valid UTF-8. A message too long for the line is cut on a
 * character boundary and ends with "…".
 */
static size_t
log_add_quoted(char *line, size_t pos, size_t cap, const char *msg)
{
    static const char hex[] = "0123456789abcdef";
    static const char ellipsis[] = "\xE2\x80\xA6";
    size_t i = 0, len = strlen(msg);

    /* room is kept for the closing quote and a "…" */
    if (pos + 2 + 3 > cap)
        return pos;
    line[pos++] = '"';
    while (i < len) {
        unsigned char c = (unsigned char) msg[i];
        uint32_t cp;
        size_t n = 1;
        char esc[4];
        size_t elen = 0;

        if (c == '"' || c == '\\') {
            esc[0] = '\\';
            esc[1] = (char) c;
            elen = 2;
        } else if (c == '\n' || c == '\r' || c == '\t') {
            esc[0] = '\\';
            esc[1] = c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
            elen = 2;
        } else if (c < 0x20 || c == 0x7F ||
                   (c >= 0x80 && (n = jy_utf8_decode(msg + i, len - i, &cp)) == 0)) {
            esc[0] = '\\';
            esc[1] = 'x';
            esc[2] = hex[c >> 4];
            esc[3] = hex[c & 15];
            elen = 4;
            n = 1;
        }
        if (pos + (elen ? elen : n) + 1 + 3 > cap) {
            memcpy(line + pos, ellipsis, 3);
            pos += 3;
            break;
        }
        if (elen) {
            memcpy(line + pos, esc, elen);
            pos += elen;
        } else {
            memcpy(line + pos, msg + i, n);
            pos += n;
        }
        i += n;
    }
    line[pos++] = '"';
    return pos;
}


/* Like snprintf at line + pos, but pos never passes cap, even when the text is cut. */
static size_t log_addf(char *line, size_t pos, size_t cap, const char *fmt, ...) JY_PRINTF(4, 5);

static size_t
log_addf(char *line, size_t pos, size_t cap, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (pos >= cap)
        return pos;
    va_start(ap, fmt);
    n = vsnprintf(line + pos, cap - pos, fmt, ap);
    va_end(ap);
    if (n < 0)
        return pos;
    return (size_t) n >= cap - pos ? cap - 1 : pos + (size_t) n;
}


/* Build and write one line: header, msg, then kv (pre-formatted logfmt fields) when not NULL. */
static void
log_emit(enum jy_log_level level, const char *module, const char *msg, const char *kv)
{
    char line[LOG_LINE_MAX], ts[32];
    struct timeval tv;
    size_t pos, done;
    int saved_errno = errno; /* a log call must not change errno for the caller */

    gettimeofday(&tv, NULL);
    jy_log_format_time(ts, (long long) tv.tv_sec, (int) (tv.tv_usec / 1000), LOG_OFFSET_MIN);

    /* the header is short: a module name is a word from the source, the id is sanitised */
    pos = log_addf(line, 0, 200, "ts=%s level=%s module=%s", ts, jy_log_level_name(level),
                   module ? module : "-");
    if (log_request_id[0])
        pos = log_addf(line, pos, 200 + sizeof(log_request_id), " req=%s", log_request_id);
    pos = log_addf(line, pos, sizeof(line), " msg=");
    /* one byte is kept for the newline */
    pos = log_add_quoted(line, pos, sizeof(line) - 1, msg);
    if (kv && pos + 1 + strlen(kv) < sizeof(line) - 1)
        pos = log_addf(line, pos, sizeof(line) - 1, " %s", kv);
    line[pos++] = '\n';
    /*
     * One write: lines up to PIPE_BUF (4096 on Linux) from several threads
     * never interleave. A signal may interrupt it; a short write to a file
     * is finished off.
     */
    done = 0;
    while (done < pos) {
        ssize_t w = write(log_fd, line + done, pos - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break; /* logging must never fail the caller */
        done += (size_t) w;
    }
    errno = saved_errno;
}


void
jy_log_write(enum jy_log_level level, const char *module, const char *fmt, ...)
{
    char msg[LOG_LINE_MAX];
    int n;
    va_list ap;
    int saved_errno = errno;

    va_start(ap, fmt);
    n = vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (n < 0)
        msg[0] = '\0';
    else if ((size_t) n >= sizeof(msg))
        msg[jy_utf8_trim_partial(msg, sizeof(msg) - 1)] = '\0';
    errno = saved_errno;
    log_emit(level, module, msg, NULL);
}


void
jy_log_write_kv(enum jy_log_level level, const char *module, const char *msg, const char *kv)
{
    if (level >= jy_log_min_level)
        log_emit(level, module, msg, kv);
}
