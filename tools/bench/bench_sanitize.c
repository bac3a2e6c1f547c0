/*
 * bench_sanitize.c - what sanitising a body costs (core/sanitize.c): a
 * typical government article (1.1 KB: paragraphs with text-indent, a
 * table, an image, links), the same repeated to 18 KB and 180 KB, a Word
 * paste full of classes and styles to remove, and the worst shapes within
 * the limits (nesting at 20,000 start tags).
 *
 *   build/bench/bench_sanitize [RUNS]
 *
 * Prints min, median and max wall-clock milliseconds of RUNS (default 20)
 * calls, and MB/s at the median, on one thread. Each call includes the
 * reparse that checks the output is stable.
 */
#include "core/compat.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/pool.h"
#include "core/sanitize.h"

#include <time.h>

static const char article[] =
    "<p style=\"text-indent: 2em;\">为贯彻落实《国务院办公厅关于加强政府网站信息内容建设的意见》，"
    "进一步提升政府网站集约化水平，现将有关事项通知如下：</p>\n"
    "<h2>一、总体要求</h2>\n"
    "<p style=\"text-indent:2em\">各地区、各部门要高度重视，<strong>切实加强</strong>组织领导，"
    "明确责任分工，确保各项任务落到实处。</p>\n"
    "<table border=\"1\" cellpadding=\"0\" cellspacing=\"0\" width=\"100%\"><caption>2024年预算表"
    "</caption><thead><tr><th scope=\"col\">项目</th><th>金额（万元）</th></tr></thead><tbody>"
    "<tr><td>一般公共预算</td><td align=\"right\">1,234.5</td></tr>"
    "<tr><td>政府性基金预算</td><td align=\"right\">567.8</td></tr>"
    "<tr><td colspan=\"2\">合计</td></tr></tbody></table>\n"
    "<p style=\"text-align: center;\"><img src=\"/files/ab/cd/abcd.png\" alt=\"会议现场\" "
    "width=\"600\" height=\"400\"></p>\n"
    "<ol><li>加强统筹协调</li><li>狠抓工作落实</li><li>强化监督考核</li></ol>\n"
    "<p>详见<a href=\"https://www.gov.cn/zhengce/\" target=\"_blank\">中国政府网</a>。</p>\n"
    "<p style=\"text-align:right\">云岭省人民政府办公厅<br>2024年3月1日</p>\n";

static const char word[] =
    "<p class=\"MsoNormal\" style=\"text-indent:21.0pt;mso-char-indent-count:2.0;line-height:"
    "150%\"><span style=\"font-size:16.0pt;font-family:仿宋_GB2312;mso-ascii-font-family:"
    "Calibri\">各有关单位：为做好年度工作，现通知如下。</span><span lang=\"EN-US\" "
    "style=\"font-size:16.0pt\"><o:p></o:p></span></p>\n";

static double
now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec * 1e3 + (double) ts.tv_nsec / 1e6;
}


static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return (x > y) - (x < y);
}


static void
run(const char *what, const char *unit, size_t reps, int runs)
{
    struct jy_pool *pool = jy_pool_create(0);
    struct jy_buf in = JY_BUF_INIT(pool);
    double *t = malloc((size_t) runs * sizeof(double));
    struct jy_err err = JY_ERR_INIT;
    size_t i;
    int r, findings = 0;

    for (i = 0; i < reps; i++)
        jy_buf_add_str(&in, unit);
    for (r = 0; r < runs; r++) {
        struct jy_pool *p = jy_pool_create(0);
        struct jy_buf out = JY_BUF_INIT(p);
        struct jy_sanitize_report rep;
        double t0 = now_ms();
        if (jy_sanitize_html(p, in.buf, in.len, &out, &rep, &err) != JY_OK) {
            fprintf(stderr, "%s: %s\n", what, err.msg);
            exit(1);
        }
        t[r] = now_ms() - t0;
        findings = rep.n;
        jy_pool_destroy(p);
    }
    qsort(t, (size_t) runs, sizeof(double), cmp_double);
    printf("%-34s %8zu bytes  min %8.2f ms  median %8.2f ms  max %8.2f ms  %6.1f MB/s  "
           "%d finding%s\n",
           what, in.len, t[0], t[runs / 2], t[runs - 1],
           (double) in.len / 1e6 / (t[runs / 2] / 1e3), findings, findings == 1 ? "" : "s");
    free(t);
    jy_pool_destroy(pool);
}


int
main(int argc, char **argv)
{
    int runs = argc > 1 ? atoi(argv[1]) : 20;

    if (runs < 1)
        runs = 1;
    run("article (1.1 KB)", article, 1, runs);
    run("article x16 (18 KB)", article, 16, runs);
    run("article x160 (180 KB)", article, 160, runs);
    run("Word paste x100", word, 100, runs);
    run("worst: 20000 nested <div>", "<div>", JY_SANITIZE_MAX_TAGS, runs < 5 ? runs : 5);
    run("worst: 10000 nested <ul><li>", "<ul><li>", JY_SANITIZE_MAX_TAGS / 2, runs < 5 ? runs : 5);
    return 0;
}
