/*
 * log.h - structured logging: one line per event, logfmt-style, so both a
 * person and a log shipper can read it:
 *
 *   ts=2026-11-23T20:49:03.123+08:00 level=info module=db req=7f3a1c msg="cluster ready"
 *
 * req= is present only while a request id is set. In msg, '"' and '\' are
 * escaped with '\', newline, CR and tab as \n \r \t, other control bytes and
 * bytes that are not UTF-8 as \xNN; a message longer than a line (4 KiB) is
 * cut on a character boundary and ends with "…".
 *
 * jy_log() tests the level before it evaluates its arguments (Redis
 * serverLog), so a debug line costs a comparison when debug is off. Each
 * line is built in memory and written with one write(2), so lines of
 * several threads never interleave. The request id is per thread: the HTTP
 * server sets it when a request starts and clears it when it ends.
 */
#ifndef JY_CORE_LOG_H
#define JY_CORE_LOG_H

enum jy_log_level {
    JY_LOG_DEBUG = 0,
    JY_LOG_INFO = 1,
    JY_LOG_WARN = 2,
    JY_LOG_ERROR = 3,
    JY_LOG_OFF = 4,
};

extern enum jy_log_level jy_log_min_level;

/* level is evaluated once, the other arguments only when the line is written */
#define jy_log(level, module, ...)                              \
    do {                                                        \
        enum jy_log_level jy_log_level_ = (level);              \
        if (jy_log_level_ >= jy_log_min_level)                  \
            jy_log_write(jy_log_level_, (module), __VA_ARGS__); \
    } while (0)

#define jy_log_debug(module, ...) jy_log(JY_LOG_DEBUG, module, __VA_ARGS__)
#define jy_log_info(module, ...)  jy_log(JY_LOG_INFO, module, __VA_ARGS__)
#define jy_log_warn(module, ...)  jy_log(JY_LOG_WARN, module, __VA_ARGS__)
#define jy_log_error(module, ...) jy_log(JY_LOG_ERROR, module, __VA_ARGS__)

/* Write one line; use the jy_log() macros instead of calling this. */
void jy_log_write(enum jy_log_level level, const char *module, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * Write one line whose msg is msg (quoted as usual) followed by kv, fields
 * the caller formatted as logfmt itself (key=value, values quoted when
 * needed): the access log's method=GET path="/api/v1/items/7" status=200.
 * kv is dropped when it would not fit the line. The level is checked here.
 */
void jy_log_write_kv(enum jy_log_level level, const char *module, const char *msg, const char *kv);

/* Send lines to fd (default 2, stderr). */
void jy_log_set_fd(int fd);

/* Parse "debug", "info", "warn", "error", "off"; -1 when unrecognized. */
int jy_log_level_parse(const char *name);
const char *jy_log_level_name(enum jy_log_level level);

/*
 * Per-thread request id copied into every line; NULL clears it. At most 39
 * bytes are kept, and characters other than letters, digits and "-_.:" are
 * replaced by "_" (the id may come from a client's header).
 */
void jy_log_set_request_id(const char *id);
const char *jy_log_request_id(void);

/*
 * Format the time t (seconds) plus ms as RFC 3339 in the given offset from UTC
 * in minutes (China Standard Time is +480). dst must hold 32 bytes. Values
 * out of range are clamped (years 1970..9999, ms 0..999, offset +-23:59).
 */
void jy_log_format_time(char *dst, long long t, int ms, int offset_min);

#endif /* JY_CORE_LOG_H */
