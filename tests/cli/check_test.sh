#!/bin/bash
# Content checks from the command line: `jiyue check text|item|content|set|
# lexicon|plugins` on the demo province, with the shipped plugins of this
# build tree.
. "$(dirname "$0")/lib.sh"

DATA=$(new_data)
"$JIYUE" --log-level warn --data "$DATA" demo >/dev/null || { echo "cannot load the demo"; exit 1; }
J=(--log-level warn --data "$DATA" --set "plugin_dir=$JY_PLUGIN_BUILD_DIR")
SITE=5601210001

cat >"$TMP/notice.html" <<'HTML'
<p>关于按步就班做好工作的通知</p>
<p>  请于本周内报送材料，联系人张三，身份证号11010519491231002X。</p>
<p>开展反邪教宣传，抵制邪教。电话 0571-87654321转8001，国办发〔2023〕12号。</p>
HTML
printf '<p>各单位：请按时报送。</p>\n' >"$TMP/clean.html"

case_text_findings_with_positions() {
    jy "${J[@]}" check text "$TMP/notice.html"; expect_rc 1
    expect_out "3 findings, 2 blocking"
    expect_out "warn  typos [错别字] 正文 第1段 第3字 「按步就班」: 疑似错别字「按步就班」，应为「按部就班」 → 按部就班"
    expect_out "BLOCK privacy [个人隐私] 正文 第2段 第21字 「11010519491231002X」"
    expect_out "BLOCK words [敏感词] 正文 第3段 第11字 「邪教」"
    expect_no_out "0571"
    jy "${J[@]}" check text "$TMP/notice.html" --json; expect_rc 1
    expect_out '"check":"privacy","title":"个人隐私","severity":"block","field":"body","paragraph":2,"offset":20,"length":18,"matched":"11010519491231002X"'
    jy "${J[@]}" check text "$TMP/notice.html" --stage save; expect_rc 0; expect_out "3 findings, 0 blocking"
    jy "${J[@]}" check text "$TMP/clean.html"; expect_rc 0; expect_out "0 findings, 0 blocking"
    printf 'ab\377\n' >"$TMP/bad.txt"
    jy "${J[@]}" check text "$TMP/bad.txt"; expect_rc 1; expect_out "text is not valid UTF-8 (byte 3)"
}

case_usage_errors() {
    jy "${J[@]}" check text "$TMP/clean.html" --stage later; expect_rc 2
    expect_out '--stage takes save or publish, not "later"'
    jy "${J[@]}" check frobnicate; expect_rc 2; expect_out 'unrecognized action "frobnicate"'
    jy "${J[@]}" check content; expect_rc 2; expect_out "needs --site SITE"
    jy "${J[@]}" check item abc; expect_rc 2; expect_out 'item id "abc" is not a number'
}

case_plugins_listed() {
    jy "${J[@]}" check plugins; expect_rc 0
    expect_out "plugin lexicon 1.0"; expect_out "plugin privacy 1.0"
    expect_out "check lexicon: kind words (敏感词) on save warn, on publish block"
    expect_out "check links: kind links (链接失效) on save off, on publish warn"
    expect_no_out "example"
}

case_lexicon_file_test() {
    printf '# ok\n赌博\n色\xe6\x83\n' >"$TMP/words.txt"
    jy "${J[@]}" check lexicon test "$TMP/words.txt"; expect_rc 1
    expect_out "lexicon \"$TMP/words.txt\" line 3: invalid UTF-8 at byte 4"
    expect_out "Nothing of the file is used until it is fixed."
    printf '按步就班 -> 按部就班\n再接再励\t再接再厉\n' >"$TMP/typos.txt"
    jy "${J[@]}" check lexicon test "$TMP/typos.txt" --pairs; expect_rc 0; expect_out "2 entries"
    jy "${J[@]}" check lexicon test "$TMP/typos.txt"; expect_rc 1
    expect_out "line 1: a word list takes one entry per line, not a pair"
}

case_item_site_settings_and_lexicon() {
    printf '<p>联系电话13800138000，内部资料。</p>\n' >"$TMP/body.html"
    jy "${J[@]}" item add --site $SITE --kind article --title "报名通知" --body-file "$TMP/body.html"
    expect_rc 0
    local item; item=$(grep -o '[0-9]\+' "$OUT" | head -1)
    jy "${J[@]}" check item "$item"; expect_rc 1
    expect_out "item $item: 1 finding, 1 blocking"
    expect_out "BLOCK privacy [个人隐私] 正文 第1段 第5字 「13800138000」"
    # the site adds a sensitive word of its own
    jy "${J[@]}" check lexicon add --site $SITE sensitive 内部资料; expect_rc 0
    expect_out "added sensitive \"内部资料\" to site $SITE"
    jy "${J[@]}" check lexicon add --site $SITE sensitive 内部资料; expect_rc 1
    expect_out "site $SITE already has \"内部资料\" in lexicon sensitive"
    jy "${J[@]}" check lexicon list --site $SITE; expect_rc 0; expect_out "sensitive	内部资料"
    jy "${J[@]}" check item "$item"; expect_rc 1; expect_out "2 findings, 2 blocking"
    expect_out "BLOCK words [敏感词] 正文 第1段 第17字 「内部资料」"
    # ... but lets personal data only warn
    jy "${J[@]}" check set --site $SITE privacy --publish warn; expect_rc 0
    expect_out "site $SITE: privacy (个人隐私) on save warn, on publish warn"
    jy "${J[@]}" check item "$item"; expect_rc 1; expect_out "2 findings, 1 blocking"
    jy "${J[@]}" check set --site $SITE words --publish off; expect_rc 0
    jy "${J[@]}" check item "$item"; expect_rc 0; expect_out "1 finding, 0 blocking"
    jy "${J[@]}" check set --site $SITE spelling --publish off; expect_rc 1
    expect_out 'unrecognized check kind "spelling"'
    # the whole site, as JSON
    jy "${J[@]}" check content --site $SITE --kind article --json; expect_rc 0
    expect_out "\"item\":$item,\"blocking\":0"
    jy "${J[@]}" check content --site $SITE --kind nonsense; expect_rc 1
    expect_out 'unrecognized item kind "nonsense"'
    # another county has none of this
    jy "${J[@]}" check text "$TMP/body.html" --site 5601220001; expect_rc 1
    expect_out "1 finding, 1 blocking"
    jy "${J[@]}" check lexicon remove --site $SITE sensitive 内部资料; expect_rc 0
    jy "${J[@]}" check lexicon remove --site $SITE sensitive 内部资料; expect_rc 1
    expect_out "has no entry \"内部资料\" in lexicon sensitive"
}

case_required_metadata() {
    jy "${J[@]}" item add --site $SITE --kind article --title "动态" --place $SITE:zwgk/zwdt/xzdt
    expect_rc 0
    local item; item=$(grep -o '[0-9]\+' "$OUT" | head -1)
    jy "${J[@]}" check item "$item"; expect_rc 0; expect_out "0 findings"
    jy "${J[@]}" check require --site $SITE --column zwgk/zwdt/xzdt article source; expect_rc 0
    expect_out "site $SITE requires 信息来源 (article.source) for zwgk/zwdt/xzdt"
    jy "${J[@]}" check require --site $SITE --column zwgk/zwdt/xzdt article source; expect_rc 1
    expect_out "already requires 信息来源 there"
    jy "${J[@]}" check require --site $SITE; expect_rc 0; expect_out "zwgk/zwdt/xzdt	article.source (信息来源)"
    jy "${J[@]}" check item "$item"; expect_rc 1
    expect_out "BLOCK metadata [元数据缺失]: 缺少信息来源（栏目「"
    jy "${J[@]}" check require --site $SITE article colour; expect_rc 1
    expect_out 'items of kind "article" have no field "colour"'
    jy "${J[@]}" check require --site $SITE --column nowhere article source; expect_rc 1
    expect_out 'site 5601210001 has no column "nowhere"'
    jy "${J[@]}" check require --site $SITE --column zwgk/zwdt/xzdt article source --remove
    expect_rc 0; expect_out "no longer requires 信息来源"
    jy "${J[@]}" check item "$item"; expect_rc 0
}

case_rights() {
    # a town's editor may not change the county's check settings (row-level security), the
    # county's site admin may; another site's admin may not
    jy "${J[@]}" --as tang.lei check set --site $SITE typos --publish block; expect_rc 1
    expect_out "you may not change the check settings of site $SITE"
    jy "${J[@]}" --as he.min check set --site $SITE typos --publish block; expect_rc 0
    jy "${J[@]}" --as he.min check set --site 5601220001 typos --publish block; expect_rc 1
    jy "${J[@]}" --as he.min check lexicon add --site 5601220001 sensitive 某词; expect_rc 1
    expect_out "you may not change the lexicon entries of site 5601220001"
}

run_cases "$@"
