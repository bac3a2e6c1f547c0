/*
 * server.h - `jiyue serve`: the HTTP server of the JSON API (libevent).
 *
 * Shape (docs/api.md "Server"): `workers` threads, each with its own event
 * base, evhttp and listening socket on the same address (SO_REUSEPORT: the
 * kernel spreads connections), and its own two PostgreSQL connections: the
 * owner role for authentication, jiyue_app with the user as actor for
 * everything a handler does. A handler runs to completion on its worker
 * (libpq calls block that worker only); reading and writing requests is
 * event-driven, so slow clients cost a connection, not a worker.
 *
 * Per request: a pool, a request id (X-Request-Id from the client when it is
 * a sane token, else 16 random hex digits; sent back, set in the log and as
 * the database actor's jy.request_id), the route, authentication (bearer
 * API token, or the session cookie plus X-CSRF-Token on state-changing
 * methods), the body limits, Idempotency-Key, the handler, ETag/304 on GET,
 * one access log line.
 *
 * Database: a connection that the server closed (restart) is noticed before
 * use and reconnected; while that fails every request that needs the
 * database gets 503 {"error":{"code":"unavailable"}}, and the first request
 * after the database is back is served normally.
 *
 * Shutdown: SIGTERM or SIGINT stops accepting, lets the requests being
 * handled finish and their answers be written (at most
 * http_shutdown_timeout seconds), then returns.
 */
#ifndef JY_CORE_SERVER_H
#define JY_CORE_SERVER_H

#include <stddef.h>

struct jy_api_env;
struct jy_err;

struct jy_server_opts {
    const char *listen;   /* "127.0.0.1:8080", "[::1]:8080", ":8080" */
    int workers;          /* threads, 1..256 */
    const char *conninfo; /* libpq connection string of the owner role */
    size_t body_max;      /* bytes of a JSON body (413 above) */
    size_t upload_max;    /* bytes of a multipart upload body */
    size_t header_max;    /* bytes of the request line and headers together */
    int read_timeout;     /* seconds a connection may stay silent (slow clients, idle keep-alive) */
    int auth_cache;       /* seconds a checked session or token is trusted per worker; 0: none */
    size_t item_cache_max;       /* bytes of cached GET item answers (docs/api-cache.md); 0: none */
    int item_cache_ttl;          /* seconds such an answer lives at most */
    const char *trusted_proxies; /* space-separated peer addresses whose X-Forwarded-* count */
    int shutdown_timeout;        /* seconds in-flight requests get at shutdown */
    const char *ready_file;      /* written with the port once listening (tests); NULL: none */
    const struct jy_api_env *env;
};

/*
 * Run until SIGTERM/SIGINT. JY_OK after a clean shutdown, JY_ERROR with
 * err when the server cannot start (address in use, no database at start
 * is NOT an error: requests get 503 until it is there).
 */
int jy_server_run(const struct jy_server_opts *opts, struct jy_err *err);

/*
 * The CSRF token that goes with a session token (given at login, sent back
 * in X-CSRF-Token): derived from the session, so nothing more is stored. out
 * gets 64 hex digits and a NUL.
 */
void jy_server_csrf_token(const char *session, char out[65]);

#endif /* JY_CORE_SERVER_H */
