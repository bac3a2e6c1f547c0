/*
 * item_test.c - items of the resource library: the unified metadata of
 * every kind enforced by the C checks (every problem at once) and by the
 * trigger (whatever writes), 文号 per issuer, policy validity, revisions,
 * diff and restore, interpretation links both ways, index numbers.
 */
#include "core/compat.h"
#include "core/item.h"
#include "core/filestore.h"
#include "tests/integration/library_fixture.h"


/* Try to create; returns the result, err filled on failure. */
static int
try_create(struct jy_db *db, int site, const char *kind, const char *fields,
           struct jy_item_result *res, struct jy_err *err)
{
    struct jy_item_spec spec = {fx_codes[site], kind, fx_json(fields), NULL, 0};
    jy_err_clear(err);
    return jy_item_create(db, fx.pool, &spec, res, err);
}


static int
try_update(struct jy_db *db, long long id, const char *fields, struct jy_item_result *res,
           struct jy_err *err)
{
    jy_err_clear(err);
    return jy_item_update(db, fx.pool, id, fx_json(fields), NULL, res, err);
}


/* Is there a problem on field whose message contains text? */
static bool
has_problem(const struct jy_item_result *res, const char *field, const char *text)
{
    int i;

    for (i = 0; i < res->nproblems; i++)
        if (strcmp(res->problems[i].field, field) == 0 && strstr(res->problems[i].msg, text))
            return true;
    return false;
}


static long long
items(void)
{
    return fx_count("SELECT count(*) FROM item", 0, NULL);
}


static void
test_required_fields_of_every_kind(void)
{
    static const struct {
        const char *kind, *field, *msg;
    } cases[] = {
        {"article", "title", "article needs 标题 (title)"},
        {"policy", "doc_no", "policy document needs 文号 (doc_no)"},
        {"policy", "issuer", "policy document needs 发文机关 (issuer)"},
        {"policy", "validity", "policy document needs 效力 (validity)"},
        {"interpretation", "interprets", "policy interpretation needs 解读的文件 (interprets)"},
        {"image", "title", "image needs 标题 (title)"},
        {"file", "title", "file needs 标题 (title)"},
        {"video", "title", "video needs 标题 (title)"},
        {"qa", "title", "Q&A needs 标题 (title)"},
        {"link", "link_url", "link needs 链接地址 (link_url)"},
    };
    struct jy_item_result res;
    struct jy_err err = JY_ERR_INIT;
    long long before;
    size_t i;

    fx_open();
    before = items();
    for (i = 0; i < JY_ARRAY_LEN(cases); i++) {
        T_EQ_INT(try_create(fx.owner, PROV, cases[i].kind, "{\"title\": \"  \"}", &res, &err),
                 JY_ERROR);
        T_EQ_INT(err.code, JY_E_INVALID);
        if (!has_problem(&res, cases[i].field, cases[i].msg))
            jy_test_fail(__FILE__, __LINE__, "%s: no problem \"%s\" in: %s / %s", cases[i].kind,
                         cases[i].msg, err.msg, err.detail);
    }
    /* a policy document lacking all three: three problems, listed at once */
    T_EQ_INT(try_create(fx.owner, PROV, "policy", "{\"title\": \"通知\"}", &res, &err), JY_ERROR);
    T_EQ_INT(res.nproblems, 3);
    T_CONTAINS(err.msg, "policy document needs 文号 (doc_no) (and 2 more problems)");
    T_EQ_STR(err.field, "doc_no");
    T_EQ_INT(items(), before);
    /* and with them it is accepted */
    T_ASSERT(fx_item(PROV, "policy",
                     "{\"title\": \"通知\", \"doc_no\": \"岭政发〔2026〕1号\","
                     " \"issuer\": \"云岭省人民政府\", \"validity\": \"有效\"}") > 0);
    fx_close();
}


static void
test_unknown_fields_and_wrong_types_are_named(void)
{
    struct jy_item_result res;
    struct jy_err err = JY_ERR_INIT;
    long long before;

    fx_open();
    before = items();
    T_EQ_INT(try_create(fx.owner, PROV, "article",
                        "{\"title\": 42, \"doc_no\": \"岭政发〔2026〕1号\", \"colour\": \"red\","
                        " \"keywords\": \"营商环境\", \"publish_at\": \"yesterday\","
                        " \"subject\": \"天文\", \"index_no\": \"索引\","
                        " \"attachments\": [{\"name\": \"附件1.pdf\"}]}",
                        &res, &err),
             JY_ERROR);
    T_ASSERT(has_problem(&res, "title", "标题 (title) must be text, not a number"));
    T_ASSERT(has_problem(&res, "doc_no", "article has no field 文号 (doc_no)"));
    T_ASSERT(has_problem(&res, "colour", "article has no field \"colour\""));
    T_ASSERT(has_problem(&res, "keywords", "关键词 (keywords) must be a list of texts, not text"));
    T_ASSERT(has_problem(&res, "publish_at", "发布时间 (publish_at) must be a date and time"));
    T_ASSERT(has_problem(&res, "subject", "主题分类 (subject) \"天文\" is not a class"));
    T_ASSERT(has_problem(&res, "index_no", "does not have the required form"));
    T_EQ_INT(res.nproblems, 7); /* attachments (json) is fine */
    T_EQ_INT(items(), before);

    /* enums take the value or the label; a wrong one lists the choices */
    T_EQ_INT(try_create(fx.owner, PROV, "policy",
                        "{\"title\": \"x\", \"doc_no\": \"1号\", \"issuer\": \"某局\","
                        " \"validity\": \"作废\", \"written_on\": \"2024-02-30\"}",
                        &res, &err),
             JY_ERROR);
    T_ASSERT(has_problem(&res, "validity",
                         "效力 (validity) must be one of 有效 (valid), 已修改 (amended), 已废止 "
                         "(repealed), 已失效 (expired), not \"作废\""));
    T_ASSERT(has_problem(&res, "written_on", "成文日期 (written_on) must be a date (YYYY-MM-DD)"));
    /* metadata fields are typed too */
    T_EQ_INT(try_create(fx.owner, PROV, "video", "{\"title\": \"x\", \"duration\": \"long\"}", &res,
                        &err),
             JY_ERROR);
    T_ASSERT(has_problem(&res, "duration", "时长（秒） (duration) must be a whole number"));
    T_EQ_INT(try_create(fx.owner, PROV, "article", "{\"title\": \"x\", \"tags\": [\"没有这个\"]}",
                        &res, &err),
             JY_ERROR);
    T_ASSERT(has_problem(&res, "tags", "no tag \"没有这个\""));
    T_EQ_INT(items(), before);
    fx_close();
}


static void
test_trigger_enforces_every_write(void)
{
    struct jy_err err = JY_ERR_INIT;
    const char *p[1];

    fx_open();
    p[0] = fx_num(fx.site[PROV]);
    /* straight SQL, as the system, skipping the C checks: the trigger still refuses */
    T_ASSERT(jy_db_query(fx.owner, fx.pool,
                         "INSERT INTO item (site_id, kind, title, issuer, validity)"
                         " VALUES ($1, 'policy', '无文号', '某局', 'valid')",
                         1, p, &err) == NULL);
    T_EQ_INT(err.code, JY_E_INVALID);
    T_EQ_STR(err.msg, "policy document needs 文号 (doc_no)");
    T_EQ_STR(err.field, "doc_no");
    T_ASSERT(jy_db_query(fx.owner, fx.pool,
                         "INSERT INTO item (site_id, kind, title, metadata)"
                         " VALUES ($1, 'article', '标题', '{\"colour\": \"red\"}')",
                         1, p, &err) == NULL);
    T_EQ_STR(err.msg, "article has no field \"colour\"");
    T_ASSERT(jy_db_query(fx.owner, fx.pool,
                         "INSERT INTO item (site_id, kind, title, subject)"
                         " VALUES ($1, 'article', '标题', '天文\\星象')",
                         1, p, &err) == NULL);
    T_CONTAINS(err.msg, "主题分类 (subject) \"天文\" is not a class");
    /* and as the application role */
    fx_as(U_PROV_EDITOR);
    T_EQ_INT(jy_db_begin(fx.app, &err), JY_OK);
    T_ASSERT(jy_db_query(fx.app, fx.pool,
                         "INSERT INTO item (site_id, kind, title) VALUES ($1, 'link', '链接')", 1,
                         p, &err) == NULL);
    jy_db_rollback(fx.app);
    T_EQ_STR(err.msg, "link needs 链接地址 (link_url)");
    /* a declaration made required later binds every later write */
    fx_own("UPDATE item_field SET required = true WHERE kind = 'article' AND field = 'source'", 0,
           NULL);
    T_ASSERT(jy_db_query(fx.owner, fx.pool,
                         "INSERT INTO item (site_id, kind, title) VALUES ($1, 'article', '无来源')",
                         1, p, &err) == NULL);
    T_EQ_STR(err.msg, "article needs 信息来源 (source)");
    fx_close();
}


static void
test_doc_no_repeats_only_across_issuers(void)
{
    struct jy_item_result res;
    struct jy_err err = JY_ERR_INIT;
    long long before;

    fx_open();
    fx_item(PROV, "policy",
            "{\"title\": \"甲\", \"doc_no\": \"岭政发〔2026〕3号\","
            " \"issuer\": \"云岭省人民政府\", \"validity\": \"valid\"}");
    before = items();
    T_EQ_INT(try_create(fx.owner, K1, "policy",
                        "{\"title\": \"乙\", \"doc_no\": \"岭政发〔2026〕3号\","
                        " \"issuer\": \"云岭省人民政府\", \"validity\": \"valid\"}",
                        &res, &err),
             JY_ERROR);
    T_EQ_INT(err.code, JY_E_CONFLICT);
    T_EQ_STR(err.msg, "文号 (doc_no) \"岭政发〔2026〕3号\" is already used by 发文机关 (issuer) "
                      "\"云岭省人民政府\"");
    T_EQ_STR(err.field, "doc_no");
    T_EQ_INT(items(), before);
    /* the same number from another organ is another document */
    T_EQ_INT(try_create(fx.owner, K1, "policy",
                        "{\"title\": \"丙\", \"doc_no\": \"岭政发〔2026〕3号\","
                        " \"issuer\": \"栖云县人民政府\", \"validity\": \"valid\"}",
                        &res, &err),
             JY_OK);
    fx_close();
}


static void
test_validity_change_needs_the_replacing_document(void)
{
    struct jy_item_result res;
    struct jy_err err = JY_ERR_INIT;
    long long old, repl, art;
    const char *p[1];

    fx_open();
    old = fx_item(PROV, "policy",
                  "{\"title\": \"旧办法\", \"doc_no\": \"岭政发〔2020〕1号\","
                  " \"issuer\": \"云岭省人民政府\", \"validity\": \"有效\"}");
    repl = fx_item(PROV, "policy",
                   "{\"title\": \"新办法\", \"doc_no\": \"岭政发〔2026〕1号\","
                   " \"issuer\": \"云岭省人民政府\", \"validity\": \"有效\"}");
    art = fx_item(PROV, "article", "{\"title\": \"新闻\"}");
    p[0] = fx_num(old);
    T_EQ_INT(try_update(fx.owner, old, "{\"validity\": \"已废止\"}", &res, &err), JY_ERROR);
    T_EQ_STR(err.msg, "policy document marked 已废止 (repealed) needs the document that repealed "
                      "it: 废止/修改依据 (validity_by), or 废止/修改依据说明 (validity_basis) "
                      "when that document is not in the library");
    T_EQ_STR(err.field, "validity_by");
    T_EQ_STR(fx_own("SELECT validity || revision FROM item WHERE id = $1", 1, p), "valid1");
    /* when the repealing document is not in the library, its basis in words will do */
    {
        long long other = fx_item(PROV, "policy",
                                  "{\"title\": \"旧规定\", \"doc_no\": \"岭政发〔2019〕3号\","
                                  " \"issuer\": \"云岭省人民政府\", \"validity\": \"有效\"}");
        const char *q[1] = {fx_num(other)};
        T_EQ_INT(try_update(
                     fx.owner, other,
                     "{\"validity\": \"已废止\", \"validity_basis\": \"据岭政发〔2021〕8号废止\"}",
                     &res, &err),
                 JY_OK);
        T_EQ_STR(fx_own("SELECT validity || ':' || (metadata ->> 'validity_basis') FROM item "
                        "WHERE id = $1",
                        1, q),
                 "repealed:据岭政发〔2021〕8号废止");
    }
    /* the replacing document must be a policy document, and not itself */
    T_EQ_INT(try_update(
                 fx.owner, old,
                 jy_pool_printf(fx.pool, "{\"validity\": \"amended\", \"validity_by\": %lld}", art),
                 &res, &err),
             JY_ERROR);
    T_CONTAINS(err.msg, "is not a policy document");
    T_EQ_INT(try_update(
                 fx.owner, old,
                 jy_pool_printf(fx.pool, "{\"validity\": \"amended\", \"validity_by\": %lld}", old),
                 &res, &err),
             JY_ERROR);
    T_CONTAINS(err.msg, "cannot amend or repeal itself");
    /* with it: accepted, dated today */
    T_EQ_INT(try_update(
                 fx.owner, old,
                 jy_pool_printf(fx.pool, "{\"validity\": \"已废止\", \"validity_by\": %lld}", repl),
                 &res, &err),
             JY_OK);
    T_EQ_INT(res.revision, 2);
    T_EQ_STR(
        fx_own(
            "SELECT validity || ' ' || (validity_on = (now() AT TIME ZONE 'Asia/Shanghai')::date)::text"
            " || ' ' || validity_by FROM item WHERE id = $1",
            1, p),
        jy_pool_printf(fx.pool, "repealed true %lld", repl));
    /* the new document lists what it repealed */
    {
        cJSON *j = jy_item_get(fx.owner, fx.pool, repl, &err);
        T_ASSERT(j != NULL);
        T_EQ_INT(cJSON_GetArraySize(cJSON_GetObjectItem(j, "changes")), 1);
        j = jy_item_get(fx.owner, fx.pool, old, &err);
        T_EQ_STR(cJSON_GetStringValue(cJSON_GetObjectItem(j, "validity_label")), "已废止");
    }
    /* back to valid: the replacing document goes with the old validity */
    T_EQ_INT(try_update(fx.owner, old, "{\"validity\": \"有效\"}", &res, &err), JY_OK);
    T_EQ_STR(
        fx_own("SELECT validity || coalesce(validity_by::text, '-') FROM item WHERE id = $1", 1, p),
        "valid-");
    fx_close();
}


static void
test_revisions_diff_and_restore(void)
{
    struct jy_item_result res;
    struct jy_err err = JY_ERR_INIT;
    struct jy_item_revision *revs;
    struct jy_item_change *c;
    long long id;
    int n, i;
    const char *p[1];

    fx_open();
    id = fx_item(PROV, "article",
                 "{\"title\": \"初稿\", \"body\": \"<p>第一段</p><p>第二段</p><p>第三段</p>\","
                 " \"keywords\": [\"甲\"]}");
    T_EQ_INT(try_update(fx.owner, id,
                        "{\"title\": \"修改稿\", \"body\": \"<p>第一段</p><p>第二段（改）</p>"
                        "<p>第三段</p><p>第四段</p>\", \"keywords\": null}",
                        &res, &err),
             JY_OK);
    T_EQ_INT(res.revision, 2);
    T_ASSERT(res.changed);
    /* saving the same again keeps no revision */
    T_EQ_INT(try_update(fx.owner, id, "{\"title\": \"修改稿\"}", &res, &err), JY_OK);
    T_EQ_INT(res.revision, 2);
    T_ASSERT(!res.changed);

    T_EQ_INT(jy_item_revisions(fx.owner, fx.pool, id, &revs, &n, &err), JY_OK);
    T_EQ_INT(n, 2);
    T_EQ_STR(revs[1].changed, "body,keywords,title");

    T_EQ_INT(jy_item_diff(fx.owner, fx.pool, id, 1, 2, &c, &n, &err), JY_OK);
    T_EQ_INT(n, 3);
    T_EQ_STR(c[0].field, "title"); /* the kind's order: title, keywords, body */
    T_EQ_STR(c[0].label, "标题");
    T_EQ_STR(c[0].before, "\"初稿\"");
    T_EQ_STR(c[0].after, "\"修改稿\"");
    T_EQ_STR(c[1].field, "keywords");
    T_EQ_STR(c[1].after, "[]");
    T_EQ_STR(c[2].field, "body");
    T_EQ_INT(c[2].nlines, 5);
    {
        static const char expect[][32] = {" <p>第一段</p>", "-<p>第二段</p>",
                                          "+<p>第二段（改）</p>", " <p>第三段</p>",
                                          "+<p>第四段</p>"};
        for (i = 0; i < 5; i++)
            T_EQ_STR(jy_pool_printf(fx.pool, "%c%s", c[2].lines[i].op, c[2].lines[i].text),
                     expect[i]);
    }
    T_EQ_INT(jy_item_diff(fx.owner, fx.pool, id, 1, 9, &c, &n, &err), JY_ERROR);
    T_EQ_INT(err.code, JY_E_NOT_FOUND);
    T_CONTAINS(err.msg, "has no revision 9");

    /* restore: a new revision equal to the old one */
    T_EQ_INT(jy_item_restore(fx.owner, fx.pool, id, 1, &res, &err), JY_OK);
    T_EQ_INT(res.revision, 3);
    T_ASSERT(res.changed);
    T_EQ_INT(jy_item_diff(fx.owner, fx.pool, id, 1, 3, &c, &n, &err), JY_OK);
    T_EQ_INT(n, 0);
    p[0] = fx_num(id);
    T_EQ_STR(fx_own("SELECT title || ' ' || array_to_string(keywords, ',') || ' ' ||"
                    " (SELECT note FROM item_revision WHERE item_id = i.id AND rev = 3)"
                    " FROM item i WHERE id = $1",
                    1, p),
             "初稿 甲 restored revision 1");
    /* restoring what is already there changes nothing */
    T_EQ_INT(jy_item_restore(fx.owner, fx.pool, id, 3, &res, &err), JY_OK);
    T_ASSERT(!res.changed);
    T_EQ_INT(res.revision, 3);
    fx_close();
}


/* The state around an item: title, then its links as a revision records them. */
static const char *
state_of(long long id)
{
    const char *p[1] = {fx_num(id)};
    return jy_pool_strdup(fx.pool, fx_own("SELECT title || ' ' || jy_item_links(id)::text "
                                          "FROM item WHERE id = $1",
                                          1, p));
}


static long long
file_row(const char *sha_char, const char *name)
{
    const char *p[3] = {fx_num(fx.site[PROV]), sha_char, name};
    return fx_own_id("INSERT INTO file (site_id, sites, sha256, size, mime_type, type_class, "
                     "original_name) VALUES ($1, ARRAY[$1::bigint], repeat($2, 64), 10, "
                     "'application/pdf', 'document', $3) RETURNING id",
                     3, p);
}


static const struct jy_item_change *
change_of(const struct jy_item_change *c, int n, const char *field)
{
    int i;

    for (i = 0; i < n; i++)
        if (strcmp(c[i].field, field) == 0)
            return &c[i];
    return NULL;
}


static void
test_restore_brings_back_tags_links_and_files(void)
{
    struct jy_item_result res;
    struct jy_err err = JY_ERR_INIT;
    struct jy_item_change *c;
    struct jy_item_revision *revs;
    const struct jy_item_change *x;
    long long doc, doc2, i1, i2, f1, f2;
    const char *good, *i1_good, *p[1];
    int n, rev_good, before;

    fx_open();
    fx_own("INSERT INTO tag (name) VALUES ('扶贫'), ('教育'), ('通知')", 0, NULL);
    f1 = file_row("a", "原文.pdf");
    f2 = file_row("b", "图解.pdf");
    doc = fx_item(PROV, "policy",
                  "{\"title\": \"行动方案\", \"doc_no\": \"岭政发〔2026〕9号\","
                  " \"issuer\": \"云岭省人民政府\", \"validity\": \"valid\","
                  " \"tags\": [\"扶贫\", \"教育\"]}");
    doc2 = fx_item(PROV, "policy",
                   "{\"title\": \"实施细则\", \"doc_no\": \"岭政办发〔2026〕10号\","
                   " \"issuer\": \"云岭省人民政府办公厅\", \"validity\": \"valid\"}");
    /* a revision records tags as the item was created, without a second revision */
    p[0] = fx_num(doc);
    T_EQ_STR(fx_own("SELECT revision FROM item WHERE id = $1", 1, p), "1");
    /* a file attached: a revision of its own (the row did not change) */
    T_EQ_INT(jy_file_attach(fx.owner, fx.pool, doc, fx_own("SELECT repeat('a', 64)", 0, NULL), 1,
                            "原文", &err),
             JY_OK);
    T_EQ_STR(fx_own("SELECT revision FROM item WHERE id = $1", 1, p), "2");
    /* an interpretation of it: the document's page changed, so a revision of it too */
    i1 = fx_item(PROV, "interpretation",
                 jy_pool_printf(fx.pool, "{\"title\": \"一图读懂\", \"interprets\": [%lld]}", doc));
    T_EQ_STR(fx_own("SELECT revision FROM item WHERE id = $1", 1, p), "3");
    good = state_of(doc);
    i1_good = state_of(i1);
    rev_good = 3;

    /* everything an editor sees changes: title, tags, files, interpretations */
    T_EQ_INT(try_update(fx.owner, doc, "{\"title\": \"行动方案（修订）\", \"tags\": [\"通知\"]}",
                        &res, &err),
             JY_OK);
    T_EQ_INT(
        jy_file_detach(fx.owner, fx.pool, doc, fx_own("SELECT repeat('a', 64)", 0, NULL), &err),
        JY_OK);
    T_EQ_INT(jy_file_attach(fx.owner, fx.pool, doc, fx_own("SELECT repeat('b', 64)", 0, NULL), 0,
                            "图解", &err),
             JY_OK);
    i2 = fx_item(PROV, "interpretation",
                 jy_pool_printf(fx.pool, "{\"title\": \"专家解读\", \"interprets\": [%lld, %lld]}",
                                doc2, doc));
    T_EQ_INT(try_update(fx.owner, i1, jy_pool_printf(fx.pool, "{\"interprets\": [%lld]}", doc2),
                        &res, &err),
             JY_OK);
    T_ASSERT(strcmp(state_of(doc), good) != 0);
    before = atoi(fx_own("SELECT revision FROM item WHERE id = $1", 1, p));
    T_EQ_INT(before, 8);
    T_EQ_INT(jy_item_revisions(fx.owner, fx.pool, doc, &revs, &n, &err), JY_OK);
    T_EQ_INT(n, 8);
    T_EQ_STR(revs[1].changed, "files");
    T_EQ_STR(revs[2].changed, "interpretations");
    T_EQ_STR(revs[3].changed, "title,tags");
    T_EQ_STR(revs[7].changed, "interpretations");

    /* the diff shows all of it, in editors' words */
    T_EQ_INT(jy_item_diff(fx.owner, fx.pool, doc, rev_good, before, &c, &n, &err), JY_OK);
    T_ASSERT((x = change_of(c, n, "title")) != NULL);
    T_ASSERT((x = change_of(c, n, "tags")) != NULL);
    T_EQ_STR(x->before, "[\"扶贫\",\"教育\"]");
    T_EQ_STR(x->after, "[\"通知\"]");
    T_ASSERT((x = change_of(c, n, "files")) != NULL);
    T_CONTAINS(x->before, "\"name\":\"原文.pdf\"");
    T_CONTAINS(x->before, "\"caption\":\"原文\"");
    T_CONTAINS(x->after, "\"name\":\"图解.pdf\"");
    T_ASSERT((x = change_of(c, n, "interpretations")) != NULL);
    T_CONTAINS(x->before, "一图读懂");
    T_ASSERT(strstr(x->before, "专家解读") == NULL);
    T_CONTAINS(x->after, "专家解读");
    T_ASSERT(strstr(x->after, "一图读懂") == NULL);
    T_EQ_STR(x->label, "解读 (interpretations)");

    /* restore: the whole state comes back, in one new revision */
    T_EQ_INT(jy_item_restore(fx.owner, fx.pool, doc, rev_good, &res, &err), JY_OK);
    T_ASSERT(res.changed);
    T_EQ_INT(res.revision, before + 1);
    T_EQ_INT(res.nremoved, 0);
    T_EQ_STR(state_of(doc), good);
    T_EQ_INT(jy_item_diff(fx.owner, fx.pool, doc, rev_good, res.revision, &c, &n, &err), JY_OK);
    T_EQ_INT(n, 0);
    /* both ways: 一图读懂 interprets the document again (beside 实施细则), 专家解读 no longer */
    p[0] = fx_num(i1);
    T_EQ_STR(fx_own("SELECT string_agg(to_id::text, ',' ORDER BY to_id) FROM item_relation "
                    "WHERE from_id = $1",
                    1, p),
             jy_pool_printf(fx.pool, "%lld,%lld", doc, doc2));
    p[0] = fx_num(i2);
    T_EQ_STR(
        fx_own("SELECT string_agg(to_id::text, ',') FROM item_relation WHERE from_id = $1", 1, p),
        fx_num(doc2));
    /* the interpretation's own revisions follow: 一图读懂 has a revision more, with the link */
    T_ASSERT(strcmp(state_of(i1), i1_good) != 0);
    p[0] = fx_num(i1);
    T_EQ_STR(fx_own("SELECT revision FROM item WHERE id = $1", 1, p), "3");
    p[0] = fx_num(doc);
    (void) f1;
    (void) f2;
    /* restoring it again changes nothing */
    T_EQ_INT(jy_item_restore(fx.owner, fx.pool, doc, rev_good, &res, &err), JY_OK);
    T_ASSERT(!res.changed);
    fx_close();
}


static void
test_restore_is_all_or_nothing_under_rights(void)
{
    struct jy_item_result res;
    struct jy_err err = JY_ERR_INIT;
    long long doc, pdoc, interp;
    const char *before, *p[1];

    fx_open();
    doc = fx_item(K1, "policy",
                  "{\"title\": \"县级方案\", \"doc_no\": \"县政发〔2026〕1号\","
                  " \"issuer\": \"县人民政府\", \"validity\": \"valid\"}");
    pdoc = fx_item(PROV, "policy",
                   "{\"title\": \"省级方案\", \"doc_no\": \"岭政发〔2026〕11号\","
                   " \"issuer\": \"云岭省人民政府\", \"validity\": \"valid\"}");
    T_EQ_INT(try_update(fx.owner, doc, "{\"title\": \"县级方案（修订）\"}", &res, &err), JY_OK);
    /* since revision 2, the province's interpretation interprets the county document too */
    interp =
        fx_item(PROV, "interpretation",
                jy_pool_printf(fx.pool, "{\"title\": \"省解读\", \"interprets\": [%lld, %lld]}",
                               pdoc, doc));
    p[0] = fx_num(doc);
    before = jy_pool_strdup(fx.pool, state_of(doc));
    /* the county's editor may not unlink the province's interpretation: nothing is restored */
    T_EQ_INT(jy_item_restore(fx_as(U_K1_EDITOR), fx.pool, doc, 1, &res, &err), JY_ERROR);
    T_EQ_INT(err.code, JY_E_FORBIDDEN);
    T_CONTAINS(err.msg, jy_pool_printf(fx.pool, "interpretation %lld", interp));
    T_EQ_STR(state_of(doc), before);
    T_EQ_STR(fx_own("SELECT title FROM item WHERE id = $1", 1, p), "县级方案（修订）");
    /* the system may: the document is as it was, the interpretation keeps its other document */
    T_EQ_INT(jy_item_restore(fx.owner, fx.pool, doc, 1, &res, &err), JY_OK);
    T_EQ_STR(fx_own("SELECT title FROM item WHERE id = $1", 1, p), "县级方案");
    p[0] = fx_num(interp);
    T_EQ_STR(
        fx_own("SELECT string_agg(to_id::text, ',') FROM item_relation WHERE from_id = $1", 1, p),
        fx_num(pdoc));
    fx_close();
}


static void
test_paragraph_diff(void)
{
    struct jy_diff_line *v;
    int n;

    fx.pool = jy_pool_create(0);
    jy_diff_paragraphs(fx.pool, "a\nb\nc", "a\nc\nd", &v, &n);
    T_EQ_INT(n, 4);
    T_EQ_STR(jy_pool_printf(fx.pool, "%c%s %c%s %c%s %c%s", v[0].op, v[0].text, v[1].op, v[1].text,
                            v[2].op, v[2].text, v[3].op, v[3].text),
             " a -b  c +d");
    /* block ends: </p>, <br>, </li>, </h2> split paragraphs, case-insensitively */
    jy_diff_paragraphs(fx.pool, "<H2>题</H2><p>一</p>二<br/>三<ul><li>四</li></ul>", "", &v, &n);
    T_EQ_INT(n, 5);
    T_EQ_STR(v[0].text, "<H2>题</H2>");
    T_EQ_STR(v[2].text, "二<br/>");
    T_EQ_STR(v[3].text, "三<ul><li>四</li>");
    T_EQ_STR(v[4].text, "</ul>");
    T_EQ_INT(v[0].op, '-');
    jy_diff_paragraphs(fx.pool, "", "", &v, &n);
    T_EQ_INT(n, 0);
    jy_pool_destroy(fx.pool);
}


static void
test_interpretations_link_both_ways(void)
{
    struct jy_item_result res;
    struct jy_err err = JY_ERR_INIT;
    long long doc, doc2, art, interp;
    cJSON *j;

    fx_open();
    doc = fx_item(PROV, "policy",
                  "{\"title\": \"行动方案\", \"doc_no\": \"岭政发〔2026〕5号\","
                  " \"issuer\": \"云岭省人民政府\", \"validity\": \"valid\"}");
    doc2 = fx_item(PROV, "policy",
                   "{\"title\": \"实施细则\", \"doc_no\": \"岭政办发〔2026〕6号\","
                   " \"issuer\": \"云岭省人民政府办公厅\", \"validity\": \"valid\"}");
    art = fx_item(PROV, "article", "{\"title\": \"新闻\"}");
    /* an interpretation must name policy documents */
    T_EQ_INT(
        try_create(fx.owner, PROV, "interpretation",
                   jy_pool_printf(fx.pool, "{\"title\": \"解读\", \"interprets\": [%lld]}", art),
                   &res, &err),
        JY_ERROR);
    T_ASSERT(has_problem(&res, "interprets",
                         jy_pool_printf(fx.pool, "item %lld is not a policy document", art)));
    interp = fx_item(
        PROV, "interpretation",
        jy_pool_printf(fx.pool, "{\"title\": \"《行动方案》解读\", \"interprets\": [%lld]}", doc));
    j = jy_item_get(fx.owner, fx.pool, interp, &err);
    T_ASSERT(j != NULL);
    T_EQ_INT(cJSON_GetArraySize(cJSON_GetObjectItem(j, "interprets")), 1);
    T_EQ_STR(cJSON_GetStringValue(cJSON_GetObjectItem(
                 cJSON_GetArrayItem(cJSON_GetObjectItem(j, "interprets"), 0), "doc_no")),
             "岭政发〔2026〕5号");
    /* the document page links back */
    j = jy_item_get(fx.owner, fx.pool, doc, &err);
    T_EQ_INT(cJSON_GetArraySize(cJSON_GetObjectItem(j, "interpretations")), 1);
    T_EQ_INT((long long) cJSON_GetNumberValue(cJSON_GetObjectItem(
                 cJSON_GetArrayItem(cJSON_GetObjectItem(j, "interpretations"), 0), "id")),
             interp);
    /* one more document, then the first link removed */
    T_EQ_INT(jy_item_link(fx.owner, fx.pool, interp, doc2, true, &err), JY_OK);
    T_EQ_INT(jy_item_link(fx.owner, fx.pool, interp, doc, false, &err), JY_OK);
    j = jy_item_get(fx.owner, fx.pool, doc, &err);
    T_EQ_INT(cJSON_GetArraySize(cJSON_GetObjectItem(j, "interpretations")), 0);
    j = jy_item_get(fx.owner, fx.pool, doc2, &err);
    T_EQ_INT(cJSON_GetArraySize(cJSON_GetObjectItem(j, "interpretations")), 1);
    /* an interpretation's links can be replaced, but not emptied: the field is required */
    T_EQ_INT(try_update(fx.owner, interp, "{\"interprets\": []}", &res, &err), JY_ERROR);
    T_EQ_STR(err.msg, "policy interpretation needs 解读的文件 (interprets)");
    T_EQ_INT(jy_item_link(fx.owner, fx.pool, doc, doc2, true, &err), JY_ERROR);
    T_CONTAINS(err.msg, "is not a policy interpretation");
    fx_close();
}


static void
test_index_numbers_follow_the_site_rule(void)
{
    struct jy_item_result res;
    struct jy_err err = JY_ERR_INIT;
    const char *rule;
    bool own;
    long long a;

    fx_open();
    /* the default */
    T_EQ_INT(try_create(fx.owner, K1, "article",
                        "{\"title\": \"一\", \"publish_at\": \"2026-03-01 09:00\"}", &res, &err),
             JY_OK);
    T_EQ_STR(res.index_no, "5601210001-2026-00001");
    /* a rule set on the city binds the county below it */
    T_EQ_INT(jy_item_index_rule_set(fx.owner, fx.pool, "5601000001",
                                    "{admin_code}-{subject}-{yyyy}-{seq:4}", &err),
             JY_OK);
    T_EQ_INT(jy_item_index_rule_get(fx.owner, fx.pool, "5601210001", &rule, &own, &err), JY_OK);
    T_EQ_STR(rule, "{admin_code}-{subject}-{yyyy}-{seq:4}");
    T_ASSERT(!own);
    T_EQ_INT(try_create(fx.owner, K1, "article",
                        "{\"title\": \"二\", \"subject\": \"综合政务\\\\政务公开\","
                        " \"publish_at\": \"2026-03-02 09:00\"}",
                        &res, &err),
             JY_OK);
    T_EQ_STR(res.index_no, "560121-01-2026-0002");
    /* the sequence is per site and year */
    T_EQ_INT(try_create(fx.owner, K1, "article",
                        "{\"title\": \"三\", \"subject\": \"科技、教育\","
                        " \"publish_at\": \"2025-12-31T23:30:00+08:00\"}",
                        &res, &err),
             JY_OK);
    T_EQ_STR(res.index_no, "560121-10-2025-0001");
    T_EQ_INT(
        try_create(fx.owner, K2, "article",
                   "{\"title\": \"四\", \"subject\": \"综合政务\", \"publish_at\": \"2026-01-05\"}",
                   &res, &err),
        JY_OK);
    T_EQ_STR(res.index_no, "560122-01-2026-0001");
    /* a rule that needs the subject needs the subject */
    T_EQ_INT(try_create(fx.owner, K1, "article", "{\"title\": \"五\"}", &res, &err), JY_ERROR);
    T_EQ_STR(err.field, "subject");
    T_CONTAINS(err.msg, "needs 主题分类 (subject)");
    /* a number typed by hand is skipped by the rule, and refused when it repeats */
    a = fx_item(K1, "article", "{\"title\": \"六\", \"index_no\": \"560121-01-2026-0003\"}");
    T_ASSERT(a > 0);
    T_EQ_INT(
        try_create(fx.owner, K1, "article",
                   "{\"title\": \"七\", \"subject\": \"综合政务\", \"publish_at\": \"2026-05-01\"}",
                   &res, &err),
        JY_OK);
    T_EQ_STR(res.index_no, "560121-01-2026-0004");
    T_EQ_INT(try_create(fx.owner, K1, "article",
                        "{\"title\": \"八\", \"index_no\": \"560121-01-2026-0004\"}", &res, &err),
             JY_ERROR);
    T_EQ_INT(err.code, JY_E_CONFLICT);
    T_EQ_STR(err.msg, "索引号 (index_no) \"560121-01-2026-0004\" is already used on this site");
    /* malformed rules are refused with the place */
    T_EQ_INT(jy_item_index_rule_set(fx.owner, fx.pool, "5601210001", "{admin}-{seq}", &err),
             JY_ERROR);
    T_EQ_STR(err.msg, "index rule: unrecognized part \"{admin}\" at character 1");
    T_EQ_INT(jy_item_index_rule_set(fx.owner, fx.pool, "5601210001", "{yyyy}号{seq}", &err),
             JY_ERROR);
    T_EQ_STR(err.msg, "index rule: \"号\" at character 7 cannot be in an index number");
    T_EQ_INT(jy_item_index_rule_set(fx.owner, fx.pool, "5601210001", "{yyyy}", &err), JY_ERROR);
    T_CONTAINS(err.msg, "must hold {seq} exactly once");
    /* the database refuses them too */
    {
        const char *p[1] = {fx_num(fx.site[K1])};
        T_ASSERT(jy_db_query(fx.owner, fx.pool,
                             "UPDATE site SET settings = '{\"index_rule\": \"{x}-{seq}\"}'"
                             " WHERE id = $1",
                             1, p, &err) == NULL);
        T_CONTAINS(err.msg, "site_index_rule_shape");
    }
    fx_close();
}


static void
test_rights_as_the_application(void)
{
    struct jy_item_result res;
    struct jy_err err = JY_ERR_INIT;
    long long mine, other;

    fx_open();
    /* an editor of the county writes there ... */
    T_EQ_INT(
        try_create(fx_as(U_K1_EDITOR), K1, "article", "{\"title\": \"县里的稿件\"}", &res, &err),
        JY_OK);
    mine = res.id;
    T_EQ_INT(try_update(fx_as(U_K1_EDITOR), mine, "{\"summary\": \"摘要\"}", &res, &err), JY_OK);
    /* ... not on the province */
    T_EQ_INT(
        try_create(fx_as(U_K1_EDITOR), PROV, "article", "{\"title\": \"省里的稿件\"}", &res, &err),
        JY_ERROR);
    T_EQ_INT(err.code, JY_E_FORBIDDEN);
    T_CONTAINS(err.msg, "you may not create items on site \"5600000001\"");
    /* a viewer reads a province draft but may not change it */
    other = fx_item(PROV, "article", "{\"title\": \"省里的草稿\"}");
    T_ASSERT(jy_item_get(fx_as(U_VIEWER), fx.pool, other, &err) != NULL);
    T_EQ_INT(try_update(fx_as(U_VIEWER), other, "{\"title\": \"改\"}", &res, &err), JY_ERROR);
    T_EQ_INT(err.code, JY_E_FORBIDDEN);
    /* the county editor does not even see it */
    T_ASSERT(jy_item_get(fx_as(U_K1_EDITOR), fx.pool, other, &err) == NULL);
    T_EQ_INT(err.code, JY_E_NOT_FOUND);
    /* the revisions record who saved */
    {
        const char *p[2] = {fx_num(mine), fx_num(fx.user[U_K1_EDITOR])};
        T_EQ_STR(
            fx_own("SELECT count(*) FROM item_revision WHERE item_id = $1 AND saved_by = $2", 2, p),
            "2");
    }
    fx_close();
}


static void
test_update_is_partial_and_keeps_the_kind(void)
{
    struct jy_item_result res;
    struct jy_err err = JY_ERR_INIT;
    long long id;
    const char *p[1];

    fx_open();
    id = fx_item(PROV, "image",
                 "{\"title\": \"图\", \"alt\": \"山\", \"author\": \"摄影 张三\","
                 " \"tags\": []}");
    p[0] = fx_num(id);
    T_EQ_INT(try_update(fx.owner, id, "{\"kind\": \"video\", \"alt\": null, \"summary\": \"好\"}",
                        &res, &err),
             JY_ERROR);
    T_EQ_STR(err.msg, "the kind of an item cannot be changed (it is image)");
    T_EQ_INT(try_update(fx.owner, id, "{\"alt\": null, \"summary\": \"好\"}", &res, &err), JY_OK);
    T_EQ_STR(fx_own("SELECT author || '|' || summary || '|' || metadata::text FROM item"
                    " WHERE id = $1",
                    1, p),
             "摄影 张三|好|{}");
    T_EQ_INT(try_update(fx.owner, id, "{\"title\": null}", &res, &err), JY_ERROR);
    T_EQ_STR(err.msg, "image needs 标题 (title)");
    fx_close();
}


static void
test_body_is_sanitised_and_the_editor_told(void)
{
    struct jy_item_result res;
    struct jy_err err = JY_ERR_INIT;
    const char *p[1];
    long long id;
    int i;
    bool script = false, handler = false;

    fx_open();
    T_EQ_INT(try_create(fx.owner, PROV, "article",
                        "{\"title\": \"正文\", \"body\": \"<p onclick=\\\"steal()\\\">第一段</p>"
                        "<script>alert(1)</script><p>第二段</p>\"}",
                        &res, &err),
             JY_OK);
    id = res.id;
    for (i = 0; i < res.nremoved; i++) {
        script |= strstr(res.removed[i], "removed <script> element") != NULL;
        handler |= strstr(res.removed[i], "onclick") != NULL;
    }
    T_ASSERT(script && handler);
    p[0] = fx_num(id);
    T_EQ_STR(fx_own("SELECT body FROM item WHERE id = $1", 1, p), "<p>第一段</p><p>第二段</p>");
    /* on update too: a javascript: link goes, the text stays */
    T_EQ_INT(try_update(fx.owner, id,
                        "{\"body\": \"<p><a href=\\\"javascript:alert(1)\\\">链接</a></p>\"}", &res,
                        &err),
             JY_OK);
    T_EQ_INT(res.nremoved, 1);
    T_CONTAINS(res.removed[0], "javascript:");
    T_ASSERT(strstr(fx_own("SELECT body FROM item WHERE id = $1", 1, p), "javascript") == NULL);
    T_CONTAINS(fx_own("SELECT body FROM item WHERE id = $1", 1, p), "链接");
    /* a body that is nothing but a script is no body at all */
    T_EQ_INT(try_update(fx.owner, id, "{\"body\": \"<script>x()</script>\"}", &res, &err), JY_OK);
    T_ASSERT(fx_own("SELECT body FROM item WHERE id = $1", 1, p) == NULL);
    fx_close();
}


int
main(int argc, char **argv)
{
    static const struct jy_test_case cases[] = {
        T_CASE(test_required_fields_of_every_kind),
        T_CASE(test_unknown_fields_and_wrong_types_are_named),
        T_CASE(test_trigger_enforces_every_write),
        T_CASE(test_doc_no_repeats_only_across_issuers),
        T_CASE(test_validity_change_needs_the_replacing_document),
        T_CASE(test_revisions_diff_and_restore),
        T_CASE(test_restore_brings_back_tags_links_and_files),
        T_CASE(test_restore_is_all_or_nothing_under_rights),
        T_CASE(test_paragraph_diff),
        T_CASE(test_interpretations_link_both_ways),
        T_CASE(test_index_numbers_follow_the_site_rule),
        T_CASE(test_rights_as_the_application),
        T_CASE(test_update_is_partial_and_keeps_the_kind),
        T_CASE(test_body_is_sanitised_and_the_editor_told),
    };
    return jy_test_main(argc, argv, cases, JY_ARRAY_LEN(cases));
}
