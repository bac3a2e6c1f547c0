/*
 * secret.h - secrets the platform must store and use again (a mirror's
 * password), sealed with the platform's key so that a copy of the
 * database (a dump, a backup, a replica, a support ticket with a table in
 * it) does not give away the servers it pushes to.
 *
 * The key is 32 random bytes, hex-encoded, in the file named by the
 * setting secret_key_file (default var/secret.key, mode 0600), made on
 * first use. Every machine that runs a pusher needs the same file
 * (docs/operations.md, "Mirrors"). Sealed text is "jy1:" and the base64
 * of a 24-byte nonce followed by XChaCha20-Poly1305 ciphertext (libsodium);
 * the purpose ("mirror_credential.password") is authenticated with it, so a
 * sealed value cannot be moved to another column and opened there.
 */
#ifndef JY_CORE_SECRET_H
#define JY_CORE_SECRET_H

#include <stdbool.h>

struct jy_err;
struct jy_pool;

/* The key file of this process (main() sets it from secret_key_file); NULL: the default. */
void jy_secret_use_file(const char *path);

/* Seal plain for purpose: "jy1:..." in pool; NULL with err set (no key file could be made). */
const char *jy_secret_seal(struct jy_pool *pool, const char *purpose, const char *plain,
                           struct jy_err *err);

/*
 * Open what jy_secret_seal() made for the same purpose. Text without the
 * "jy1:" mark was stored before secrets were sealed: it is returned as it
 * is, and *was_plain (when not NULL) says so. NULL with err set when the
 * key is missing or not the one it was sealed with, or the text is damaged.
 */
const char *jy_secret_open(struct jy_pool *pool, const char *purpose, const char *stored,
                           bool *was_plain, struct jy_err *err);

/* True for text jy_secret_seal() made. */
bool jy_secret_is_sealed(const char *stored);

#endif /* JY_CORE_SECRET_H */
