#!/bin/bash
# Items, tags and placements from the command line, on the demo province:
# metadata checks, revisions, diff and restore, placement on several sites
# in one call, --as and row-level security, tags and tag expressions.
. "$(dirname "$0")/lib.sh"

DATA=$(new_data)
"$JIYUE" --log-level warn --data "$DATA" demo >/dev/null || { echo "cannot load the demo"; exit 1; }
J=(--log-level warn --data "$DATA")

# the id in "created item N (...)"
created_id() { grep -o "created item [0-9]*" "$OUT" | awk '{print $3}'; }

case_policy_document_round_trip() {
    printf '<p>第一条</p>\n<p>第二条</p>\n' >"$TMP/body.html"
    jy "${J[@]}" item add --site 5600000001 --kind policy --title "云岭省数据管理办法" \
        --field doc_no=岭政发〔2026〕9号 --field issuer=云岭省人民政府 --field validity=有效 \
        --field written_on=2026-01-05 --field issued_on=2026-01-08 --field tags=数字政府,放管服 \
        --field subject=综合政务 --body-file "$TMP/body.html" \
        --place 5600000001:zwgk/zcwj/szfwj --place 5601210001:zwgk/zcwj/xzfwj
    expect_rc 0
    expect_out "placed in 5600000001:zwgk/zcwj/szfwj (省政府文件, 云岭省人民政府) as draft"
    expect_out "placed in 5601210001:zwgk/zcwj/xzfwj (县政府文件, 栖云县人民政府) as draft"
    expect_out "索引号 5600000001-"
    local id; id=$(created_id)
    jy "${J[@]}" item show "$id"; expect_rc 0
    expect_out "文号 (doc_no): 岭政发〔2026〕9号"; expect_out "效力 (validity): 有效 (valid)"
    expect_out "标签 (tags): 优化营商环境, 数字政府"   # 放管服 is a synonym of 优化营商环境
    printf '<p>第一条</p>\n<p>第二条（修订）</p>\n<p>第三条</p>\n' >"$TMP/body2.html"
    jy "${J[@]}" item set "$id" title=云岭省公共数据管理办法 --body-file "$TMP/body2.html"
    expect_rc 0; expect_out "item $id: revision 2"
    jy "${J[@]}" item revisions "$id"; expect_rc 0; expect_out "body,title"
    jy "${J[@]}" item diff "$id" 1 2; expect_rc 0
    expect_out '- "云岭省数据管理办法"'; expect_out '+ "云岭省公共数据管理办法"'
    expect_out "- <p>第二条</p>"; expect_out "+ <p>第二条（修订）</p>"; expect_out "  <p>第一条</p>"
    jy "${J[@]}" item restore "$id" 1; expect_rc 0; expect_out "restored revision 1 as revision 3"
    jy "${J[@]}" item diff "$id" 1 3; expect_rc 0; expect_out "are the same"
    jy "${J[@]}" item revisions "$id"; expect_out "[restored revision 1]"
    jy "${J[@]}" item show "$id" --json; expect_rc 0; expect_out '"revision": 3'
}

case_every_problem_is_listed_and_nothing_saved() {
    jy "${J[@]}" item add --site 5600000001 --kind policy --title "缺字段" --field colour=red \
        --field written_on=2026-02-30 --place 5600000001:zwgk/zcwj/szfwj
    expect_rc 1
    expect_out "the item has 5 problems, nothing was saved"
    expect_out 'policy document has no field "colour"'
    expect_out "成文日期 (written_on) must be a date (YYYY-MM-DD)"
    expect_out "policy document needs 文号 (doc_no)"
    expect_out "policy document needs 发文机关 (issuer)"
    expect_out "policy document needs 效力 (validity)"
    jy "${J[@]}" item list 5600000001:zwgk/zcwj/szfwj; expect_no_out "缺字段"
}

case_refusals_name_the_field() {
    jy "${J[@]}" item add --site 5600000001 --kind article --title 新闻 --field doc_no=1号
    expect_rc 1; expect_out "article has no field 文号 (doc_no)"
    jy "${J[@]}" item add --site 5600000001 --kind policy --title 重号 \
        --field doc_no=岭政发〔2024〕3号 --field issuer=云岭省人民政府 --field validity=有效
    expect_rc 1
    expect_out '文号 (doc_no) "岭政发〔2024〕3号" is already used by 发文机关 (issuer) "云岭省人民政府"'
    jy "${J[@]}" item set 1 validity=已废止
    expect_rc 1; expect_out "needs the document that repealed it: 废止/修改依据 (validity_by)"
    jy "${J[@]}" item set 1 validity=已修改 validity_by=2; expect_rc 0
    jy "${J[@]}" item show 2; expect_out "amends or repeals:"; expect_out "item 1"
    printf '<p>正文</p><script>alert(1)</script>' >"$TMP/script.html"
    jy "${J[@]}" item add --site 5600000001 --kind article --title 带脚本 --body-file "$TMP/script.html"
    expect_rc 0; expect_out "the body was cleaned: removed <script> element"
    jy "${J[@]}" item add --site 5600000001 --kind nonsense --title x
    expect_rc 1; expect_out 'item kind "nonsense" does not exist'
    jy "${J[@]}" item add --site 5600000001 --kind article --field title
    expect_rc 2; expect_out "expected NAME=VALUE"
    jy "${J[@]}" item frobnicate; expect_rc 2
    jy "${J[@]}" item show 999999; expect_rc 1; expect_out "item 999999 does not exist"
}

case_as_user_one_call_many_sites() {
    # he.min administers 栖云县: one call, two of its columns
    jy "${J[@]}" --as he.min item add --site 5601210001 --kind article --title "县里的稿件" \
        --place 5601210001:zwgk/zwdt/xzdt --place 5601210001:zwgk/zwdt/yw
    expect_rc 0; local id; id=$(created_id)
    # a column of the city is not his: the whole call is refused, nothing placed
    jy "${J[@]}" --as he.min item place "$id" 5601210001:zwgk/zwdt/tpxw 5601000001:zwgk/zwdt/yw
    expect_rc 1
    expect_out 'you may not place items in column "5601000001:zwgk/zwdt/yw"'
    jy "${J[@]}" item show "$id"; expect_no_out "tpxw"; expect_no_out "5601000001"
    # tang.lei writes in the 云台镇 columns only, and may not publish
    jy "${J[@]}" --as tang.lei item add --site 5601210001 --kind article --title "镇里的稿件" \
        --place 5601210001:zwgk/xzxxgk/ytz/gzdt
    expect_rc 0; local t; t=$(created_id)
    jy "${J[@]}" --as tang.lei item place "$t" 5601210001:zwgk/xzxxgk/ytz/gzdt --state published
    expect_rc 1; expect_out "that needs item.publish"
    jy "${J[@]}" --as tang.lei item place "$t" 5601210001:zwgk/zwdt/xzdt
    expect_rc 1; expect_out "you may not place items"
    # a province item: the editor writes it, the reviewer publishes and pins it
    jy "${J[@]}" --as liu.yang item add --site 5600000001 --kind article --title "省里的稿件" \
        --place 5600000001:zwgk/zwdt/yw
    expect_rc 0; local p; p=$(created_id)
    jy "${J[@]}" --as liu.yang item place "$p" 5600000001:zwgk/zwdt/yw --state published
    expect_rc 1; expect_out "that needs item.publish"
    jy "${J[@]}" --as chen.jing item place "$p" 5600000001:zwgk/zwdt/yw --state published \
        --pin-until 2099-12-31
    expect_rc 0; expect_out "updated in 5600000001:zwgk/zwdt/yw"
    jy "${J[@]}" item list 5600000001:zwgk/zwdt/yw; expect_rc 0; expect_out "[pinned] 省里的稿件"
    # every county reusing that column shows it at once; hiding is local to one
    jy "${J[@]}" item list 5601210001:zwgk/zwdt/szdt; expect_out "[reused] 省里的稿件"
    jy "${J[@]}" --as he.min item hide 5601210001:zwgk/zwdt/szdt "$p"; expect_rc 0
    jy "${J[@]}" item list 5601210001:zwgk/zwdt/szdt; expect_out "[pinned] [hidden here] [reused] 省里的稿件"
    jy "${J[@]}" item list 5601220001:zwgk/zwdt/szdt; expect_out "[pinned] [reused] 省里的稿件"
    jy "${J[@]}" --as he.min item hide 5601220001:zwgk/zwdt/szdt "$p"; expect_rc 1
    expect_out "you may not hide items"
    jy "${J[@]}" --as he.min item unhide 5601210001:zwgk/zwdt/szdt "$p"; expect_rc 0
    expect_out "shown again"
    # a county editor does not see the province's drafts
    jy "${J[@]}" --as liu.yang item add --site 5600000001 --kind article --title "省里的草稿"
    expect_rc 0; local draft; draft=$(created_id)
    jy "${J[@]}" --as tang.lei item show "$draft"; expect_rc 1; expect_out "does not exist"
    jy "${J[@]}" --as liu.yang item show "$draft"; expect_rc 0
}


case_tags_synonyms_merge_and_expressions() {
    jy "${J[@]}" tag add 高标准农田 --synonym 农田建设; expect_rc 0; expect_out "synonym 农田建设"
    jy "${J[@]}" tag add 农田水利; expect_rc 0
    jy "${J[@]}" item add --site 5601210001 --kind article --title 春耕 --field tags=农田建设
    expect_rc 0; local a; a=$(created_id)
    jy "${J[@]}" item add --site 5601210001 --kind article --title 农村公路 \
        --field tags=农田水利,就业
    expect_rc 0; local b; b=$(created_id)
    jy "${J[@]}" tag items '高标准农田 OR 农田水利'; expect_rc 0; expect_out "$a"; expect_out "$b"
    jy "${J[@]}" tag items '(高标准农田 OR 农田水利) AND NOT 就业'; expect_rc 0; expect_out "$a"
    expect_no_out "$b"
    jy "${J[@]}" tag items '高标准农田 AND'; expect_rc 1
    expect_out 'expected a tag after "AND" at character 10'
    jy "${J[@]}" tag merge 农田水利 高标准农田; expect_rc 0; expect_out "1 item moved"
    jy "${J[@]}" tag items '农田水利 AND 就业'; expect_rc 0; expect_out "$b"
    jy "${J[@]}" tag list; expect_out "高标准农田  2 items  synonyms: 农田建设,农田水利"
    jy "${J[@]}" tag list --merged; expect_out "merged into 高标准农田"
    jy "${J[@]}" --as he.min tag add 城建; expect_rc 1; expect_out "you may not change the tag vocabulary"
    jy "${J[@]}" --as admin tag synonym 高标准农田 振兴乡村; expect_rc 0
}

case_index_rule_and_fields() {
    jy "${J[@]}" item index-rule 5601210001 '{admin_code}-{subject}-{yyyy}-{seq:4}'; expect_rc 0
    expect_out "索引号 rule of 5601210001: {admin_code}-{subject}-{yyyy}-{seq:4}"
    jy "${J[@]}" item add --site 5601210001 --kind article --title 有分类 --field subject=科技、教育 \
        --field "publish_at=2026-04-01 09:00"
    expect_rc 0; expect_out "索引号 560121-10-2026-0"
    jy "${J[@]}" item add --site 5601210001 --kind article --title 无分类
    expect_rc 1; expect_out "needs 主题分类 (subject)"
    jy "${J[@]}" item index-rule 5601210001 '{admin}-{seq}'; expect_rc 1
    expect_out 'unrecognized part "{admin}" at character 1'
    jy "${J[@]}" --as tang.lei item index-rule 5601210001 '{yyyy}-{seq}'; expect_rc 1
    jy "${J[@]}" item index-rule 5601210001 --clear; expect_rc 0; expect_out "(inherited)"
    jy "${J[@]}" item fields policy; expect_rc 0
    expect_out "doc_no        text       required  文号"
    expect_out "one of 有效/已修改/已废止/已失效"
}

run_cases "$@"
