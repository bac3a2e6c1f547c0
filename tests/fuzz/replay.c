/*
 * replay.c - runs every file of a corpus folder through the fuzz target, as
 * an ordinary test with any compiler (sqlite test/fuzzcheck.c). Under the
 * sanitizer build a crash, leak or undefined behaviour fails the test.
 */
#include "core/compat.h"

#include <dirent.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    unsigned char *data;
    long size;

    if (f == NULL) {
        fprintf(stderr, "cannot open \"%s\": %s\n", path, strerror(errno));
        return -1;
    }
    if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
        fprintf(stderr, "cannot read \"%s\": %s\n", path, strerror(errno));
        fclose(f);
        return -1;
    }
    data = malloc(size > 0 ? (size_t) size : 1);
    if (data == NULL || (size > 0 && fread(data, 1, (size_t) size, f) != (size_t) size)) {
        fprintf(stderr, "cannot read \"%s\"\n", path);
        free(data);
        fclose(f);
        return -1;
    }
    fclose(f);
    /* named before it runs: when an input crashes, the last line says which */
    printf("input %s\n", path);
    fflush(stdout);
    LLVMFuzzerTestOneInput(data, (size_t) size);
    free(data);
    return 0;
}

int
main(int argc, char **argv)
{
    DIR *d;
    struct dirent *e;
    int n = 0, bad = 0;

    if (argc != 2) {
        fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
        return 2;
    }
    d = opendir(argv[1]);
    if (d == NULL) {
        fprintf(stderr, "cannot open corpus \"%s\": %s\n", argv[1], strerror(errno));
        return 1;
    }
    while ((e = readdir(d)) != NULL) {
        char path[4096];
        struct stat st;
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "%s/%s", argv[1], e->d_name);
        if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        if (replay_file(path) != 0)
            bad++;
        n++;
    }
    closedir(d);
    printf("replayed %d inputs from %s\n", n, argv[1]);
    printf("cases: %d passed, %d failed\n", n - bad, bad);
    return bad || n == 0 ? 1 : 0;
}
