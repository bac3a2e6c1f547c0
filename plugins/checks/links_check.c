/*
 * links_check.c - the plugin "links": every link and image of the body.
 *
 *  - Internal links (a path, or a URL on one of the site's domains, or on
 *    a domain of another site of the platform) must lead to a published
 *    item or a column page: the host answers through api->url_published().
 *  - External links are requested with libcurl, all of a document's at
 *    once on one multi handle: HEAD first, GET when the server refuses HEAD
 *    (405, 501), redirects followed (at most 5), a time limit per link
 *    (setting check_link_timeout, seconds). 2xx and 3xx are fine; 4xx, 5xx,
 *    timeouts and failures are findings. Results go to the link cache of
 *    the database (check_link_cache, kept check_link_ttl hours), so a link
 *    shared by a thousand items is requested once a day.
 *  - Addresses inside the network (loopback, private, link-local) are not
 *    requested unless setting check_link_private is 1 (tests): such a link
 *    is useless to the public and a request to it would let an editor make
 *    the server probe its neighbours.
 */
#include "plugins/jiyue_plugin.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define LINKS_MAX 500 /* links checked per document */

static struct jy_plugin_api *links_api;
static long links_timeout_ms = 5000;
static int links_private_ok; /* setting check_link_private */

static const struct jy_plugin_check_kind links_kinds[] = {
    {"links", "链接失效", JY_PLUGIN_OFF, JY_PLUGIN_WARN},
};

JIYUE_PLUGIN_DECLARE("links", "1.0")

struct links_job {
    const struct jy_plugin_link *link;
    CURL *easy;
    int status;     /* HTTP status, 0 when the request failed */
    char info[256]; /* why it failed, or where it was redirected */
    int head;       /* still at the HEAD step */
    int cached;
    int private_addr;       /* refused: the name led to a loopback or private address */
    struct links_job *same; /* an earlier job for the same URL */
};


static size_t
links_discard(char *ptr, size_t size, size_t nmemb, void *data)
{
    (void) ptr;
    (void) data;
    (void) size;
    (void) nmemb;
    /* the status line is all we need: refusing the first bytes of a GET body ends the
     * transfer (CURLE_WRITE_ERROR, the status already known) */
    return 0;
}


/*
 * Loopback, private, link-local and other non-public addresses. The check
 * requests what editors wrote, from inside the platform's network: without
 * this a link could make the server probe its own neighbours (SSRF). Judged
 * on the address curl is about to connect to, so redirects and names that
 * resolve to such addresses are caught too.
 */
static int
links_addr_private(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET) {
        uint32_t a = ntohl(((const struct sockaddr_in *) (const void *) sa)->sin_addr.s_addr);
        return (a >> 24) == 0 || (a >> 24) == 10 || (a >> 24) == 127 ||
               (a >> 20) == ((172u << 4) | 1) || (a >> 16) == ((192u << 8) | 168) ||
               (a >> 16) == ((169u << 8) | 254) || (a >> 22) == ((100u << 2) | 1) ||
               (a >> 28) >= 14;
    }
    if (sa->sa_family == AF_INET6) {
        const struct in6_addr *a = &((const struct sockaddr_in6 *) (const void *) sa)->sin6_addr;
        const uint8_t *b = a->s6_addr;
        if (IN6_IS_ADDR_LOOPBACK(a) || IN6_IS_ADDR_UNSPECIFIED(a) || IN6_IS_ADDR_LINKLOCAL(a) ||
            (b[0] & 0xfe) == 0xfc || IN6_IS_ADDR_MULTICAST(a))
            return 1;
        if (IN6_IS_ADDR_V4MAPPED(a)) {
            struct sockaddr_in v4;
            memset(&v4, 0, sizeof(v4));
            v4.sin_family = AF_INET;
            memcpy(&v4.sin_addr, b + 12, 4);
            return links_addr_private((const struct sockaddr *) (const void *) &v4);
        }
        return 0;
    }
    return 1;
}


static curl_socket_t
links_opensocket(void *data, curlsocktype purpose, struct curl_sockaddr *addr)
{
    struct links_job *j = data;

    (void) purpose;
    if (!links_private_ok && links_addr_private(&addr->addr)) {
        j->private_addr = 1;
        return CURL_SOCKET_BAD;
    }
    return socket(addr->family, addr->socktype, addr->protocol);
}


static CURL *
links_easy(struct links_job *j, int head)
{
    CURL *e = curl_easy_init();

    if (e == NULL)
        return NULL;
    curl_easy_setopt(e, CURLOPT_URL, j->link->url);
    curl_easy_setopt(e, CURLOPT_NOBODY, head ? 1L : 0L);
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(e, CURLOPT_MAXREDIRS, 5L);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, links_timeout_ms);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, links_timeout_ms);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "jiyue-linkcheck/1.0");
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, links_discard);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_PRIVATE, j);
    curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, links_opensocket);
    curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, j);
    j->head = head;
    return e;
}


/* The path of an internal link, or NULL when the link leaves the site. */
static const char *
links_internal_path(const struct jy_plugin_doc *doc, const char *url)
{
    const char *rest;
    int i;

    if (url[0] == '/' && url[1] != '/')
        return url;
    if (strncasecmp(url, "https://", 8) == 0)
        rest = url + 8;
    else if (strncasecmp(url, "http://", 7) == 0)
        rest = url + 7;
    else if (strncmp(url, "//", 2) == 0)
        rest = url + 2;
    else
        return NULL;
    for (i = 0; i < doc->ndomains; i++) {
        size_t n = strlen(doc->domains[i]);
        if (strncasecmp(rest, doc->domains[i], n) == 0 && (rest[n] == '/' || rest[n] == '\0'))
            return rest[n] ? rest + n : "/";
    }
    return NULL;
}


static void
links_report(struct jy_plugin_sink *sink, const struct jy_plugin_link *l, const char *msg)
{
    struct jy_plugin_finding f;

    memset(&f, 0, sizeof(f));
    f.kind = "links";
    f.field = l->field;
    f.offset = l->offset;
    f.len = l->len;
    f.matched = l->url;
    f.message = msg;
    links_api->report(sink, &f);
}


static void
links_internal(const struct jy_plugin_doc *doc, const struct jy_plugin_link *l, const char *path,
               struct jy_plugin_sink *sink)
{
    char clean[2048], msg[2200];
    size_t n = strcspn(path, "?#");
    int rc;

    if (doc->site_id == 0 || n >= sizeof(clean))
        return;
    memcpy(clean, path, n);
    clean[n] = '\0';
    rc = links_api->url_published(sink, doc->site_id, clean);
    if (rc == 0) {
        snprintf(msg, sizeof(msg), "站内链接 %s 指向不存在或未发布的页面", clean);
        links_report(sink, l, msg);
    }
}


static void
links_judge(struct jy_plugin_sink *sink, const struct links_job *j)
{
    char msg[400];

    if (j->status >= 200 && j->status < 400)
        return;
    if (j->private_addr)
        snprintf(msg, sizeof(msg), "链接指向内部网络地址，公众无法访问（未请求）");
    else if (j->status == 0)
        snprintf(msg, sizeof(msg), "外部链接无法访问：%s", j->info);
    else
        snprintf(msg, sizeof(msg), "外部链接失效（HTTP %d）", j->status);
    links_report(sink, j->link, msg);
}


static int
links_run(void *data, const struct jy_plugin_doc *doc, struct jy_plugin_sink *sink)
{
    struct links_job *jobs;
    CURLM *multi;
    int n = doc->nlinks < LINKS_MAX ? doc->nlinks : LINKS_MAX, i, k, running = 0;

    (void) data;
    if (n == 0)
        return 0;
    jobs = calloc((size_t) n, sizeof(*jobs));
    multi = curl_multi_init();
    if (jobs == NULL || multi == NULL) {
        free(jobs);
        if (multi)
            curl_multi_cleanup(multi);
        links_api->check_fail(sink, "out of memory for the link check");
        return -1;
    }
    curl_multi_setopt(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, 16L);
    for (i = 0; i < n; i++) {
        const struct jy_plugin_link *l = &doc->links[i];
        const char *path;
        jobs[i].link = l;
        if (strncasecmp(l->url, "mailto:", 7) == 0 || strncasecmp(l->url, "tel:", 4) == 0 ||
            l->url[0] == '#' || l->url[0] == '\0')
            continue;
        path = links_internal_path(doc, l->url);
        if (path) {
            links_internal(doc, l, path, sink);
            continue;
        }
        if (strncasecmp(l->url, "http://", 7) != 0 && strncasecmp(l->url, "https://", 8) != 0)
            continue; /* relative links without a slash, data: ... : nothing to request */
        /* a page of another site of the platform: resolved like an internal one */
        {
            int rc = links_api->url_published(sink, 0, l->url);
            if (rc == 0) {
                char msg[2200];
                snprintf(msg, sizeof(msg), "平台内链接 %s 指向不存在或未发布的页面", l->url);
                links_report(sink, l, msg);
            }
            if (rc >= 0)
                continue;
        }
        for (k = 0; k < i; k++)
            if (jobs[k].link && (jobs[k].easy || jobs[k].cached || jobs[k].same) &&
                strcmp(jobs[k].link->url, l->url) == 0)
                break;
        if (k < i) {
            jobs[i].same = jobs[k].same ? jobs[k].same : &jobs[k];
            continue;
        }
        if (links_api->link_cache_get(sink, l->url, &jobs[i].status, jobs[i].info,
                                      sizeof(jobs[i].info)) == 1) {
            jobs[i].cached = 1;
            jobs[i].private_addr = strcmp(jobs[i].info, "internal address") == 0;
            continue;
        }
        jobs[i].easy = links_easy(&jobs[i], 1);
        if (jobs[i].easy)
            curl_multi_add_handle(multi, jobs[i].easy);
    }
    do {
        CURLMsg *m;
        int left;
        curl_multi_perform(multi, &running);
        while ((m = curl_multi_info_read(multi, &left)) != NULL) {
            struct links_job *j;
            long code = 0;
            if (m->msg != CURLMSG_DONE)
                continue;
            curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **) &j);
            curl_easy_getinfo(m->easy_handle, CURLINFO_RESPONSE_CODE, &code);
            if (m->data.result == CURLE_OK || (m->data.result == CURLE_WRITE_ERROR && code > 0)) {
                j->status = (int) code;
            } else if (j->private_addr) {
                j->status = 0;
                snprintf(j->info, sizeof(j->info), "internal address");
            } else {
                j->status = 0;
                snprintf(j->info, sizeof(j->info), "%s",
                         m->data.result == CURLE_OPERATION_TIMEDOUT
                             ? "超时"
                             : curl_easy_strerror(m->data.result));
            }
            curl_multi_remove_handle(multi, m->easy_handle);
            curl_easy_cleanup(m->easy_handle);
            j->easy = NULL;
            if (j->head && (j->status == 405 || j->status == 501)) {
                j->easy = links_easy(j, 0);
                if (j->easy) {
                    curl_multi_add_handle(multi, j->easy);
                    running = 1;
                }
                continue;
            }
            links_api->link_cache_put(sink, j->link->url, j->status, j->info);
        }
        if (running)
            curl_multi_poll(multi, NULL, 0, 200, NULL);
    } while (running);
    for (i = 0; i < n; i++) {
        const struct links_job *j = jobs[i].same ? jobs[i].same : &jobs[i];
        if (jobs[i].cached || jobs[i].same || j->status != 0 || j->info[0]) {
            struct links_job copy = *j;
            copy.link = jobs[i].link;
            links_judge(sink, &copy);
        }
    }
    curl_multi_cleanup(multi);
    free(jobs);
    return 0;
}


JY_PLUGIN_EXPORT int
jiyue_plugin_init(struct jy_plugin_api *api)
{
    static const struct jy_plugin_check check = {"links", links_kinds, 1, links_run, NULL};
    const char *t = api->setting(api, "check_link_timeout");

    const char *priv = api->setting(api, "check_link_private");

    links_api = api;
    if (t && atol(t) > 0)
        links_timeout_ms = atol(t) * 1000;
    links_private_ok = priv && atoi(priv) == 1;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        api->fail(api, "could not initialise libcurl");
        return -1;
    }
    return api->register_check(api, &check);
}
