/*
 * cmd_version.c - `jiyue version`.
 */
#include "core/compat.h"
#include "core/cli.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <event2/event.h>
#include <libpq-fe.h>

static int
cmd_version_run(struct jy_cli *cli, int argc, char **argv)
{
    int pq = PQlibVersion();

    (void) cli;
    if (jy_cli_wants_help(&jy_cmd_version, argc, argv))
        return JY_EXIT_OK;
    if (argc > 1)
        return jy_cli_usage_error(&jy_cmd_version, "unexpected argument \"%s\"", argv[1]);
    printf("jiyue %s\n", JY_VERSION);
    printf("  libpq %d.%d, libevent %s, cJSON %s, %s\n", pq / 10000, pq % 100, event_get_version(),
           cJSON_Version(), curl_version());
    return JY_EXIT_OK;
}

const struct jy_cmd jy_cmd_version = {
    "version",
    "print the version of jiyue and of its libraries",
    "usage: jiyue version\n\nPrint the version of jiyue and of the libraries it runs on.\n",
    cmd_version_run,
};
