/*
 * log.c - logfmt lines written atomically; see log.h.
 */
#include "core/compat.h"
#include "core/log.h"

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


void
jy_log_set_request_id(const char *id)
{
    snprintf(log_request_id, sizeof(log_request_id), "%s", id ? id : "");
}


const char *
jy_log_request_id(void)
{
    return log_request_id;
}


void
jy_log_format_time(char *dst, long long t, int ms, int offset_min)
{
    time_t local = (time_t) (t + offset_min * 60LL);
    struct tm tm;
    int off = (offset_min < 0 ? -offset_min : offset_min) % (24 * 60);
    char tmp[128]; /* room for any int the compiler can imagine */

    gmtime_r(&local, &tm);
    ms = ms < 0 ? 0 : ms % 1000;
    snprintf(tmp, sizeof(tmp), "%04d-%02d-%02dT%02d:%02d:%02d.%03d%c%02d:%02d", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms,
             offset_min < 0 ? '-' : '+', off / 60, off % 60);
    snprintf(dst, 32, "%.31s", tmp);
}


/* Append the message as a logfmt value: quoted, with " \ and newlines escaped. */
static size_t
log_add_quoted(char *line, size_t pos, size_t cap, const char *msg)
{
    const char *p;

    if (pos < cap)
        line[pos++] = '"';
    for (p = msg; *p && pos + 3 < cap; p++) {
        if (*p == '"' || *p == '\\') {
            line[pos++] = '\\';
            line[pos++] = *p;
        } else if (*p == '\n') {
            line[pos++] = '\\';
            line[pos++] = 'n';
        } else {
            line[pos++] = *p;
        }
    }
    if (pos < cap)
        line[pos++] = '"';
    return pos;
}


void
jy_log_write(enum jy_log_level level, const char *module, const char *fmt, ...)
{
    char line[LOG_LINE_MAX], msg[LOG_LINE_MAX - 200], ts[32];
    struct timeval tv;
    size_t pos;
    int n;
    va_list ap;

    gettimeofday(&tv, NULL);
    jy_log_format_time(ts, (long long) tv.tv_sec, (int) (tv.tv_usec / 1000), LOG_OFFSET_MIN);
    va_start(ap, fmt);
    n = vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (n < 0)
        msg[0] = '\0';

    n = snprintf(line, sizeof(line), "ts=%s level=%s module=%s", ts, jy_log_level_name(level),
                 module);
    pos = n > 0 ? (size_t) n : 0;
    if (log_request_id[0])
        pos += (size_t) snprintf(line + pos, sizeof(line) - pos, " req=%s", log_request_id);
    pos += (size_t) snprintf(line + pos, sizeof(line) - pos, " msg=");
    pos = log_add_quoted(line, pos, sizeof(line) - 1, msg);
    line[pos++] = '\n';
    /* one write: lines from several threads never interleave */
    if (write(log_fd, line, pos) < 0) {
        /* logging must never fail the caller */
    }
}
