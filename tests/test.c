/*
 * test.c - case runner, temp folders and per-test databases; see test.h.
 */
#include "core/compat.h"
#include "tests/test.h"

#include <libpq-fe.h>
#include <setjmp.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static jmp_buf test_jmp;
static char tmp_root[512];
static int tmp_seq;
static char db_names[64][64]; /* dropped at exit */
static int db_count;
static char db_host[512];


void
jy_test_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;

    fprintf(stdout, "    %s:%d: ", file, line);
    va_start(ap, fmt);
    vfprintf(stdout, fmt, ap);
    va_end(ap);
    fputc('\n', stdout);
    fflush(stdout);
    longjmp(test_jmp, 1);
}


const char *
jy_test_path(const char *rel)
{
    static char path[8][1024];
    static int slot;
    char *p = path[slot++ % 8];

    snprintf(p, sizeof(path[0]), "%s/%s", JY_SOURCE_DIR, rel);
    return p;
}


int
jy_test_system(const char *fmt, ...)
{
    char cmd[4096];
    va_list ap;
    int st;

    va_start(ap, fmt);
    vsnprintf(cmd, sizeof(cmd), fmt, ap);
    va_end(ap);
    fflush(stdout);
    st = system(cmd);
    if (st == -1 || !WIFEXITED(st))
        return -1;
    return WEXITSTATUS(st);
}


static void
test_cleanup(void)
{
    int i;

    if (db_count) {
        char conninfo[700];
        PGconn *c;
        snprintf(conninfo, sizeof(conninfo), "host=%s dbname=postgres user=jiyue", db_host);
        c = PQconnectdb(conninfo);
        for (i = 0; i < db_count && PQstatus(c) == CONNECTION_OK; i++) {
            char sql[128];
            snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)", db_names[i]);
            PQclear(PQexec(c, sql));
        }
        PQfinish(c);
    }
    if (tmp_root[0] && getenv("JY_TEST_KEEP") == NULL)
        jy_test_system("rm -rf '%s'", tmp_root);
}


const char *
jy_test_tmpdir(void)
{
    static char dir[8][600];
    char *d;

    if (tmp_root[0] == '\0') {
        const char *base = getenv("TMPDIR");
        snprintf(tmp_root, sizeof(tmp_root), "%s/jytest.XXXXXX", base ? base : "/tmp");
        if (mkdtemp(tmp_root) == NULL) {
            perror("mkdtemp");
            exit(2);
        }
        chmod(tmp_root, 0755);
    }
    d = dir[tmp_seq % 8];
    snprintf(d, sizeof(dir[0]), "%s/%d", tmp_root, tmp_seq);
    tmp_seq++;
    if (mkdir(d, 0755) != 0) {
        perror("mkdir");
        exit(2);
    }
    return d;
}


const char *
jy_test_db_create(bool migrated)
{
    static char conninfo[8][700];
    const char *info = getenv("JY_TEST_PGINFO");
    char host[512] = "", admin[700], sql[256];
    FILE *f;
    PGconn *c;
    PGresult *r;
    char *out;

    if (info && (f = fopen(info, "r")) != NULL) {
        if (fgets(host, sizeof(host), f) == NULL)
            host[0] = '\0';
        host[strcspn(host, "\n")] = '\0';
        fclose(f);
    }
    if (host[0] == '\0') {
        fprintf(stdout,
                "    no test cluster (JY_TEST_PGINFO): run integration tests through ctest\n");
        longjmp(test_jmp, 1);
    }
    if (db_count == (int) JY_ARRAY_LEN(db_names))
        JY_BUG("too many test databases");
    snprintf(db_host, sizeof(db_host), "%s", host);
    snprintf(db_names[db_count], sizeof(db_names[0]), "t_%d_%d", (int) getpid(), db_count);
    snprintf(admin, sizeof(admin), "host=%s dbname=postgres user=jiyue", host);
    c = PQconnectdb(admin);
    if (PQstatus(c) != CONNECTION_OK) {
        fprintf(stdout, "    cannot reach the test cluster: %s", PQerrorMessage(c));
        PQfinish(c);
        longjmp(test_jmp, 1);
    }
    snprintf(sql, sizeof(sql), "CREATE DATABASE %s TEMPLATE %s", db_names[db_count],
             migrated ? "jy_template" : "template0");
    r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        fprintf(stdout, "    %s: %s", sql, PQerrorMessage(c));
        PQclear(r);
        PQfinish(c);
        longjmp(test_jmp, 1);
    }
    PQclear(r);
    PQfinish(c);
    out = conninfo[db_count % 8];
    snprintf(out, sizeof(conninfo[0]), "host=%s dbname=%s user=jiyue", host, db_names[db_count]);
    db_count++;
    return out;
}


int
jy_test_main(int argc, char **argv, const struct jy_test_case *cases, size_t n)
{
    /* volatile: they live across the setjmp/longjmp of failing cases */
    volatile size_t i;
    volatile int passed = 0, failed = 0;
    const char *only = argc > 1 ? argv[1] : NULL;

    atexit(test_cleanup);
    setvbuf(stdout, NULL, _IOLBF, 0);
    for (i = 0; i < n; i++) {
        if (only && strcmp(only, cases[i].name) != 0)
            continue;
        if (setjmp(test_jmp) == 0) {
            cases[i].fn();
            printf("ok - %s\n", cases[i].name);
            passed++;
        } else {
            printf("not ok - %s\n", cases[i].name);
            failed++;
        }
    }
    printf("cases: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
