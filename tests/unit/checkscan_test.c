/*
 * checkscan_test.c - the scanners of the shipped checks (plugins/checks):
 * resident ID and Luhn validation, personal data with exact positions and
 * no false positives on numbers that merely look alike, the automaton,
 * lexicon files, and the whitelist.
 */
#include "tests/test.h"
#include "plugins/checks/lexscan.h"
#include "plugins/checks/scan.h"

#define YEAR 2026

struct pii_hits {
    char out[2048];
};


static void
pii_collect(void *data, enum chk_pii_type type, size_t start, size_t end)
{
    struct pii_hits *h = data;
    size_t n = strlen(h->out);

    snprintf(h->out + n, sizeof(h->out) - n, "%s%s@%zu-%zu", n ? " " : "", chk_pii_type_name(type),
             start, end);
}


static const char *
pii(const char *text)
{
    static struct pii_hits h;

    h.out[0] = '\0';
    chk_pii_scan(text, strlen(text), YEAR, pii_collect, &h);
    return h.out;
}


static void
test_id_checksum(void)
{
    static const char *const valid[] = {"11010519491231002X", "11010519491231002x",
                                        "440308199901010012", "320106200002291230",
                                        "510108198507156315", "330102197708081237"};
    static const char *const invalid[] = {
        "110105194912310021", /* wrong check character */
        "440308199901010013", /* wrong check digit */
        "320106200102291234", /* 2001-02-29 does not exist */
        "990308199901010012", /* no province 99 */
        "440308209901010012", /* born in 2099 */
        "440308189901010012", /* born in 1899 */
        "44030819990101001",  /* 17 characters */
        "4403081999010100A2", /* a letter inside */
    };
    size_t i;

    for (i = 0; i < JY_ARRAY_LEN(valid); i++)
        T_ASSERT(chk_id_valid(valid[i], strlen(valid[i]), YEAR));
    for (i = 0; i < JY_ARRAY_LEN(invalid); i++)
        if (chk_id_valid(invalid[i], strlen(invalid[i]), YEAR))
            jy_test_fail(__FILE__, __LINE__, "\"%s\" accepted as an ID", invalid[i]);
}


static void
test_luhn(void)
{
    static const char *const valid[] = {"79927398713", "4111111111111111", "6222020200112233446",
                                        "6217001234567890122", "378282246310005"};
    static const char *const invalid[] = {"79927398710",         "4111111111111112",
                                          "6222020200112233445", "1234567890123456",
                                          "6212345678901234567", "12a4"};
    size_t i;

    for (i = 0; i < JY_ARRAY_LEN(valid); i++)
        T_ASSERT(chk_luhn_valid(valid[i], strlen(valid[i])));
    for (i = 0; i < JY_ARRAY_LEN(invalid); i++)
        T_ASSERT(!chk_luhn_valid(invalid[i], strlen(invalid[i])));
}


static void
test_pii_positions(void)
{
    /* byte offsets: 身份证号 is 12 bytes, "：" 3 */
    T_EQ_STR(pii("身份证号：11010519491231002X。"), "id@15-33");
    T_EQ_STR(pii("身份证号11010519491231002x"), "id@12-30");
    T_EQ_STR(pii("电话13800138000"), "mobile@6-17");
    T_EQ_STR(pii("tel 138 0013 8000."), "mobile@4-17");
    T_EQ_STR(pii("tel 138-0013-8000"), "mobile@4-17");
    T_EQ_STR(pii("+86 138 0013 8000"), "mobile@0-17");
    T_EQ_STR(pii("+8613800138000"), "mobile@0-14");
    T_EQ_STR(pii("卡号6222020200112233446，"), "card@6-25");
    T_EQ_STR(pii("card 6222 0202 0011 2233 446"), "card@5-28");
    T_EQ_STR(pii("amex 378282246310005"), "card@5-20");
    T_EQ_STR(pii("邮箱：zhang.san@example.gov.cn。"), "email@9-33");
    T_EQ_STR(pii("mail 12345678@qq.com, li-si+x@mail.example.org."), "email@5-20 email@22-46");
    T_EQ_STR(pii("13800138000 and 440308199901010012"), "mobile@0-11 id@16-34");
}


static void
test_pii_no_false_positives(void)
{
    static const char *const lookalikes[] = {
        "2023年12月5日",
        "2023-12-05",
        "20231205",
        "2023.12.05",
        "2023/12/05 08:30",
        "国办发〔2023〕12号",
        "云政办发〔2024〕135号",
        "国发〔2016〕5号",
        "电话：0571-87654321转8001",
        "0571-87654321-8001",
        "(0571)87654321",
        "热线12345",
        "400-800-1234",
        "010-12345678",
        "0571 8765 4321",
        "统一社会信用代码：91330100MA2H3K4L5X",
        "11330100002493664W",
        "索引号：000014349/2023-00123",
        "金额 1234567890.12 元",
        "1,234,567,890",
        "110101199003071234",   /* 18 digits, wrong check digit */
        "202312050001234567",   /* an order number: no region 20 */
        "6212345678901234567",  /* 19 digits, Luhn fails */
        "1234567890123456",     /* 16 digits, no issuer starts with 1 */
        "12345678901",          /* 11 digits, 12 is no mobile prefix */
        "86013800138000123456", /* a mobile inside a longer number */
        "ISBN 978-7-01-012345-6",
        "v13800138000",
        "0.13800138000",
        "编号A13800138000",
        "13800138000X1",
        "user@localhost",
        "a@b.c",
        "@example.com",
        "第1@2.3页",
        "表1\t20231205\t123456789012\t6.5",
    };
    size_t i;

    for (i = 0; i < JY_ARRAY_LEN(lookalikes); i++) {
        const char *got = pii(lookalikes[i]);
        if (got[0] != '\0')
            jy_test_fail(__FILE__, __LINE__, "false positive on \"%s\": %s", lookalikes[i], got);
    }
}


struct ac_hits {
    char out[1024];
    const char *const *pats;
};


static void
ac_collect(void *data, uint32_t p, size_t start, size_t end)
{
    struct ac_hits *h = data;
    size_t n = strlen(h->out);

    snprintf(h->out + n, sizeof(h->out) - n, "%s%s@%zu-%zu", n ? " " : "", h->pats[p], start, end);
}


static void
test_automaton_overlaps(void)
{
    static const char *const pats[] = {"he", "she", "his", "hers", "国务院", "务院办", "院"};
    size_t lens[JY_ARRAY_LEN(pats)], i;
    struct ac_hits h = {"", pats};
    struct chk_ac *ac;
    const char *text = "uSHErs 国务院办公厅";

    for (i = 0; i < JY_ARRAY_LEN(pats); i++)
        lens[i] = strlen(pats[i]);
    ac = chk_ac_build(pats, lens, JY_ARRAY_LEN(pats));
    T_ASSERT(ac != NULL);
    chk_ac_scan(ac, text, strlen(text), ac_collect, &h);
    T_EQ_STR(h.out, "she@1-4 he@2-4 hers@2-6 国务院@7-16 院@13-16 务院办@10-19");
    T_ASSERT(chk_ac_states(ac) > 10);
    chk_ac_free(ac);
}


static void
test_lexicon_formats(void)
{
    static const char text[] = "\xef\xbb\xbf# comment\n"
                               "\n"
                               "  按步就班 -> 按部就班  \r\n"
                               "再接再励\t再接再厉\n"
                               "   # indented comment\n"
                               "迫不急待 → 迫不及待";
    struct chk_lexicon lex;
    char err[256] = "";

    T_EQ_INT(chk_lexicon_parse("typos.txt", text, strlen(text), true, &lex, err, sizeof(err)), 0);
    T_EQ_INT(lex.n, 3);
    T_EQ_STR(lex.entries[0].word, "按步就班");
    T_EQ_STR(lex.entries[0].right, "按部就班");
    T_EQ_INT(lex.entries[0].line, 3);
    T_EQ_STR(lex.entries[1].right, "再接再厉");
    T_EQ_STR(lex.entries[2].word, "迫不急待");
    T_EQ_STR(lex.entries[2].right, "迫不及待");
    chk_lexicon_release(&lex);
}


static void
test_lexicon_errors(void)
{
    struct chk_lexicon lex;
    char err[256];

    /* invalid UTF-8 on line 3: nothing loaded, the file and the line named */
    T_EQ_INT(chk_lexicon_parse("/etc/jiyue/sensitive.txt", "赌博\n色情\nab\xff\xfe\n", 19, false,
                               &lex, err, sizeof(err)),
             -1);
    T_EQ_STR(err, "lexicon \"/etc/jiyue/sensitive.txt\" line 3: invalid UTF-8 at byte 3");
    T_EQ_INT(lex.n, 0);
    T_ASSERT(lex.entries == NULL);
    /* a truncated character at the very end */
    T_EQ_INT(chk_lexicon_parse("w.txt", "赌\xe5\x8d", 5, false, &lex, err, sizeof(err)), -1);
    T_CONTAINS(err, "line 1: invalid UTF-8 at byte 4");
    T_EQ_INT(chk_lexicon_parse("t.txt", "a -> b\nc\n", 9, true, &lex, err, sizeof(err)), -1);
    T_EQ_STR(err, "lexicon \"t.txt\" line 2: \"c\" has no correction (write wrong -> right)");
    T_EQ_INT(chk_lexicon_parse("w.txt", "x\ny -> z\n", 9, false, &lex, err, sizeof(err)), -1);
    T_CONTAINS(err, "line 2: a word list takes one entry per line");
    T_EQ_INT(chk_lexicon_parse("w.txt", "x\x01y\n", 4, false, &lex, err, sizeof(err)), -1);
    T_CONTAINS(err, "line 1: control character");
    T_EQ_INT(chk_lexicon_load("/nonexistent/w.txt", false, &lex, err, sizeof(err)), -1);
    T_CONTAINS(err, "cannot read lexicon \"/nonexistent/w.txt\"");
}


struct lex_hits {
    char out[2048];
};


static void
lex_collect(void *data, const struct lexscan_hit *h)
{
    struct lex_hits *r = data;
    size_t n = strlen(r->out);

    snprintf(r->out + n, sizeof(r->out) - n, "%s%d:%s@%zu%s%s", n ? " " : "", h->type, h->word,
             h->start, h->right ? "=>" : "", h->right ? h->right : "");
}


static struct chk_lexicon
lex_of(const char *text, bool pairs)
{
    struct chk_lexicon lex;
    char err[256];

    if (chk_lexicon_parse("test", text, strlen(text), pairs, &lex, err, sizeof(err)) != 0)
        jy_test_fail(__FILE__, __LINE__, "%s", err);
    return lex;
}


static void
test_whitelist_and_longest(void)
{
    struct chk_lexicon s = lex_of("邪教\n法轮\n法轮功\n赌博\n", false);
    struct chk_lexicon w = lex_of("反邪教\n打击网络赌博\n", false);
    struct chk_lexicon t = lex_of("按步就班 -> 按部就班\n", true);
    struct chk_lexicon n = lex_of("国家卫生健康委员 -> 国家卫生健康委员会\n", true);
    struct lexscan *ls = lexscan_build(&s, &w, &t, &n);
    struct lex_hits r = {""};
    const char *text = "开展反邪教宣传，邪教害人；法轮功；严厉打击网络赌博，抵制赌博。"
                       "按步就班。国家卫生健康委员会、国家卫生健康委员发布";

    lexscan_field(ls, NULL, 0, text, strlen(text), lex_collect, &r);
    /* 反邪教 whitelisted; 邪教 alone reported; 法轮功 once (not also 法轮); 赌博 inside the
     * whitelisted phrase silenced, alone reported; the right form of a name is never a
     * finding, the wrong one is */
    T_EQ_STR(r.out, "1:邪教@24 1:法轮功@39 1:赌博@84 3:按步就班@93=>按部就班 "
                    "4:国家卫生健康委员@138=>国家卫生健康委员会");
    lexscan_free(ls);
    chk_lexicon_release(&s);
    chk_lexicon_release(&w);
    chk_lexicon_release(&t);
    chk_lexicon_release(&n);
}


static void
count_lex(void *data, const struct lexscan_hit *h)
{
    (void) h;
    (*(size_t *) data)++;
}


static void
test_many_hits(void)
{
    /* a body of nothing but listed words: every one reported once, none lost to the
     * whitelist or to a longer match, and in time linear-logarithmic in the hits */
    struct chk_lexicon s = lex_of("邪教\n邪\n", false);
    struct chk_lexicon w = lex_of("反邪教\n", false);
    struct lexscan *ls = lexscan_build(&s, &w, NULL, NULL);
    size_t n = 0, i, reps = 100000;
    char *text = malloc(reps * 6 * 2 + 1);
    size_t len = 0;

    for (i = 0; i < reps; i++) {
        memcpy(text + len, i % 2 ? "反邪教" : "邪教", i % 2 ? 9 : 6);
        len += i % 2 ? 9 : 6;
    }
    lexscan_field(ls, NULL, 0, text, len, count_lex, &n);
    T_EQ_INT(n, reps / 2);
    free(text);
    lexscan_free(ls);
    chk_lexicon_release(&s);
    chk_lexicon_release(&w);
}


static void
test_ascii_case(void)
{
    struct chk_lexicon s = lex_of("VPN翻墙\n", false);
    struct lexscan *ls = lexscan_build(&s, NULL, NULL, NULL);
    struct lex_hits r = {""};
    const char *text = "禁止使用vpn翻墙软件";

    lexscan_field(ls, NULL, 0, text, strlen(text), lex_collect, &r);
    T_EQ_STR(r.out, "1:VPN翻墙@12");
    lexscan_free(ls);
    chk_lexicon_release(&s);
}


int
main(int argc, char **argv)
{
    static const struct jy_test_case cases[] = {
        T_CASE(test_id_checksum),        T_CASE(test_luhn),
        T_CASE(test_pii_positions),      T_CASE(test_pii_no_false_positives),
        T_CASE(test_automaton_overlaps), T_CASE(test_lexicon_formats),
        T_CASE(test_lexicon_errors),     T_CASE(test_whitelist_and_longest),
        T_CASE(test_ascii_case),         T_CASE(test_many_hits),
    };
    return jy_test_main(argc, argv, cases, JY_ARRAY_LEN(cases));
}
