/*
 * secret.c - sealing stored secrets with the platform's key (secret.h).
 */
#include "core/compat.h"
#include "core/secret.h"
#include "core/err.h"
#include "core/pool.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MARK     "jy1:"
#define KEY_LEN  crypto_aead_xchacha20poly1305_ietf_KEYBYTES
#define NONCE    crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define TAG      crypto_aead_xchacha20poly1305_ietf_ABYTES
#define MAX_TEXT 4096

static pthread_mutex_t key_lock = PTHREAD_MUTEX_INITIALIZER;
static char key_path[4096] = "var/secret.key";


void
jy_secret_use_file(const char *path)
{
    pthread_mutex_lock(&key_lock);
    snprintf(key_path, sizeof(key_path), "%s", path && path[0] ? path : "var/secret.key");
    pthread_mutex_unlock(&key_lock);
}


bool
jy_secret_is_sealed(const char *stored)
{
    return stored && strncmp(stored, MARK, strlen(MARK)) == 0;
}


/* Read the key from path: 64 hex digits (a newline may follow). JY_E_NOT_FOUND when absent. */
static int
key_read(const char *path, unsigned char key[KEY_LEN], struct jy_err *err)
{
    char hex[2 * KEY_LEN + 2];
    size_t n, bin_len = 0;
    FILE *f = fopen(path, "rb");

    if (f == NULL) {
        if (errno == ENOENT) {
            jy_err_set(err, JY_E_NOT_FOUND, "the platform's secret key \"%s\" does not exist",
                       path);
            jy_err_hint(err, "Copy the key file of the machine where the mirror was added "
                             "(setting secret_key_file) to this machine.");
        } else {
            jy_err_errno(err, errno, "cannot read the platform's secret key \"%s\"", path);
        }
        return JY_ERROR;
    }
    n = fread(hex, 1, sizeof(hex), f);
    fclose(f);
    while (n > 0 && (hex[n - 1] == '\n' || hex[n - 1] == '\r'))
        n--;
    if (n != 2 * KEY_LEN || sodium_hex2bin(key, KEY_LEN, hex, n, NULL, &bin_len, NULL) != 0 ||
        bin_len != KEY_LEN) {
        sodium_memzero(hex, sizeof(hex));
        jy_err_set(err, JY_E_INVALID, "the platform's secret key \"%s\" is not 64 hex digits",
                   path);
        return JY_ERROR;
    }
    sodium_memzero(hex, sizeof(hex));
    return JY_OK;
}


/*
 * Make a new key file: written under a temporary name, then linked to path,
 * which fails if another process made one meanwhile (then that one is used):
 * nobody ever reads half a key.
 */
static int
key_make(const char *path, struct jy_err *err)
{
    unsigned char key[KEY_LEN];
    char hex[2 * KEY_LEN + 1], tmp[4200];
    int fd, rc = JY_ERROR;

    snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path, (long) getpid());
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 && errno == ENOENT && strrchr(path, '/')) { /* var/ of a new installation */
        char dir[sizeof(tmp)];
        snprintf(dir, sizeof(dir), "%.*s", (int) (strrchr(path, '/') - path), path);
        if (mkdir(dir, 0700) == 0 || errno == EEXIST)
            fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    }
    if (fd < 0) {
        jy_err_errno(err, errno, "cannot create the platform's secret key \"%s\"", path);
        return JY_ERROR;
    }
    randombytes_buf(key, sizeof(key));
    sodium_bin2hex(hex, sizeof(hex), key, sizeof(key));
    sodium_memzero(key, sizeof(key));
    hex[2 * KEY_LEN] = '\n';
    if (write(fd, hex, sizeof(hex)) != (ssize_t) sizeof(hex) || fsync(fd) != 0)
        jy_err_errno(err, errno, "cannot write the platform's secret key \"%s\"", tmp);
    else if (link(tmp, path) != 0 && errno != EEXIST)
        jy_err_errno(err, errno, "cannot create the platform's secret key \"%s\"", path);
    else
        rc = JY_OK;
    sodium_memzero(hex, sizeof(hex));
    close(fd);
    unlink(tmp);
    return rc;
}


static int
key_get(unsigned char key[KEY_LEN], bool make, struct jy_err *err)
{
    char path[sizeof(key_path)];
    int rc;

    pthread_mutex_lock(&key_lock);
    memcpy(path, key_path, sizeof(path));
    pthread_mutex_unlock(&key_lock);
    if (sodium_init() < 0) {
        jy_err_set(err, JY_E_INTERNAL, "libsodium cannot start");
        return JY_ERROR;
    }
    rc = key_read(path, key, err);
    if (rc != JY_OK && make && err->code == JY_E_NOT_FOUND) {
        jy_err_clear(err);
        if (key_make(path, err) != JY_OK)
            return JY_ERROR;
        rc = key_read(path, key, err);
    }
    return rc;
}


const char *
jy_secret_seal(struct jy_pool *pool, const char *purpose, const char *plain, struct jy_err *err)
{
    unsigned char key[KEY_LEN], buf[NONCE + MAX_TEXT + TAG];
    size_t n = strlen(plain), b64;
    unsigned long long clen = 0;
    char *out;

    if (n > MAX_TEXT) {
        jy_err_set(err, JY_E_INVALID, "a secret of %zu bytes is longer than %d", n, MAX_TEXT);
        return NULL;
    }
    if (key_get(key, true, err) != JY_OK)
        return NULL;
    randombytes_buf(buf, NONCE);
    crypto_aead_xchacha20poly1305_ietf_encrypt(buf + NONCE, &clen, (const unsigned char *) plain, n,
                                               (const unsigned char *) purpose, strlen(purpose),
                                               NULL, buf, key);
    sodium_memzero(key, sizeof(key));
    b64 = sodium_base64_ENCODED_LEN(NONCE + clen, sodium_base64_VARIANT_ORIGINAL);
    out = jy_pool_alloc(pool, strlen(MARK) + b64);
    memcpy(out, MARK, strlen(MARK));
    sodium_bin2base64(out + strlen(MARK), b64, buf, NONCE + (size_t) clen,
                      sodium_base64_VARIANT_ORIGINAL);
    return out;
}


const char *
jy_secret_open(struct jy_pool *pool, const char *purpose, const char *stored, bool *was_plain,
               struct jy_err *err)
{
    unsigned char key[KEY_LEN], buf[NONCE + MAX_TEXT + TAG];
    size_t len = 0;
    unsigned long long plen = 0;
    char *out;
    const char *b64 = stored + strlen(MARK);

    if (was_plain)
        *was_plain = !jy_secret_is_sealed(stored);
    if (!jy_secret_is_sealed(stored))
        return stored;
    if (sodium_base642bin(buf, sizeof(buf), b64, strlen(b64), NULL, &len, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        len < NONCE + TAG) {
        jy_err_set(err, JY_E_INVALID, "a sealed secret is damaged (not base64 of a sealed value)");
        return NULL;
    }
    if (key_get(key, false, err) != JY_OK)
        return NULL;
    out = jy_pool_alloc(pool, len - NONCE - TAG + 1);
    if (crypto_aead_xchacha20poly1305_ietf_decrypt((unsigned char *) out, &plen, NULL, buf + NONCE,
                                                   len - NONCE, (const unsigned char *) purpose,
                                                   strlen(purpose), buf, key) != 0) {
        sodium_memzero(key, sizeof(key));
        jy_err_set(err, JY_E_INVALID,
                   "a sealed secret does not open with this machine's secret key");
        jy_err_hint(err, "The key file (setting secret_key_file) must be the one of the "
                         "machine where the secret was stored; or store the secret again.");
        return NULL;
    }
    sodium_memzero(key, sizeof(key));
    out[plen] = '\0';
    return out;
}
