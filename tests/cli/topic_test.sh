#!/bin/bash
# jiyue topic: the sections of a topic column (专题) from the command line,
# on the demo platform: set, show (text and JSON), set from JSON, clear;
# bad input refused naming the section and the place, nothing stored;
# --as and the right column.manage; the rendered topic page shows the
# panels after render --pending.
. "$(dirname "$0")/lib.sh"

DATA=$(new_data)
WWW=$TMP/www
"$JIYUE" --log-level warn --data "$DATA" demo >/dev/null || { echo "cannot load the demo"; exit 1; }
J=(--log-level warn --data "$DATA" --set "output_dir=$WWW")
T=5601210001:ztzl/xczx

case_help() {
    jy topic --help; expect_rc 0
    expect_out "usage: jiyue topic show COLUMN [--json]"
    expect_out "--section NAME --expr EXPRESSION"
    jy "${J[@]}" topic; expect_rc 2; expect_out "missing action"
    jy "${J[@]}" topic set "$T" --expr 乡村振兴; expect_rc 2
    expect_out '"--expr" belongs to a --section before it'
    jy "${J[@]}" topic set "$T" --section a --expr 乡村振兴 --items many; expect_rc 2
    expect_out '--items takes a number of items, not "many"'
}

case_set_show_json_clear() {
    jy "${J[@]}" topic set "$T" --section 政策与解读 --expr '乡村振兴 AND (重点项目 OR 就业)' \
        --items 4 --section 乡村动态 --expr '三农' --more /zwgk/zwdt/
    expect_rc 0
    expect_out "$T: 2 sections"
    expect_out "1. 政策与解读  [乡村振兴 AND (重点项目 OR 就业)]  4 items"
    # a synonym is accepted and kept as written
    expect_out "2. 乡村动态  [三农]  6 items  更多 -> /zwgk/zwdt/"
    jy "${J[@]}" topic show "$T" --json; expect_rc 0
    expect_out '[{"name":"政策与解读","expr":"乡村振兴 AND (重点项目 OR 就业)","items":4}'
    cp "$OUT" "$TMP/sections.json"
    jy "${J[@]}" topic clear "$T"; expect_rc 0; expect_out "sections removed"
    jy "${J[@]}" topic show "$T"; expect_rc 0; expect_out "no sections"
    jy "${J[@]}" topic set "$T" --json "$TMP/sections.json"; expect_rc 0
    expect_out "$T: 2 sections"
    jy "${J[@]}" topic set "$T" --json - <"$TMP/sections.json"; expect_rc 0
    jy "${J[@]}" topic clear "$T"; expect_rc 0
}

case_bad_input_names_the_place_and_stores_nothing() {
    jy "${J[@]}" topic set "$T" --section 甲 --expr 乡村振兴; expect_rc 0
    jy "${J[@]}" topic set "$T" --section 甲 --expr 乡村振兴 --section 乙 --expr '乡村振兴 AND'
    expect_rc 1
    expect_out 'section 2 ("乙"): tag expression: expected a tag after "AND" at character 9'
    jy "${J[@]}" topic set "$T" --section 甲 --expr '乡村振兴 OR 扶贫攻坚'
    expect_rc 1
    expect_out 'section 1 ("甲"): tag expression: there is no tag "扶贫攻坚" (character 9)'
    jy "${J[@]}" topic set "$T" --section 甲 --expr 乡村振兴 --items 99
    expect_rc 1; expect_out 'section 1 ("甲"): a panel shows 1 to 50 items, not 99'
    printf '[{"name": "甲", "expr": "乡村振兴", "colour": "red"}]' >"$TMP/bad.json"
    jy "${J[@]}" topic set "$T" --json "$TMP/bad.json"
    expect_rc 1; expect_out 'section 1 ("甲")'; expect_out 'colour'
    jy "${J[@]}" topic set 5601210001:zwgk/zwdt/xzdt --section 甲 --expr 乡村振兴
    expect_rc 1; expect_out "is a list column: sections are for topic columns"
    jy "${J[@]}" topic set 5601210001:ztzl/nope --section 甲 --expr 乡村振兴
    expect_rc 1; expect_out 'has no column "ztzl/nope"'
    # nothing of the refused calls was stored
    jy "${J[@]}" topic show "$T"; expect_out "1 section"; expect_out "1. 甲  [乡村振兴]"
    jy "${J[@]}" topic clear "$T"; expect_rc 0
}

case_rights() {
    # he.min administers 栖云县: its topic, not the province's
    jy "${J[@]}" --as he.min topic set "$T" --section 县里 --expr 乡村振兴; expect_rc 0
    jy "${J[@]}" --as he.min topic set 5600000001:ztzl/yhyshj --section 省里 --expr 优化营商环境
    expect_rc 1; expect_out 'you may not change the column "5600000001:ztzl/yhyshj"'
    jy "${J[@]}" topic show 5600000001:ztzl/yhyshj; expect_out "no sections"
    jy "${J[@]}" topic clear "$T"; expect_rc 0
}

case_pending_renders_the_panels() {
    jy "${J[@]}" render --all; expect_rc 0
    jy "${J[@]}" topic set "$T" --section 振兴动态 --expr 乡村振兴; expect_rc 0
    jy "${J[@]}" render --pending; expect_rc 0
    grep -qF '<h2>振兴动态</h2>' "$WWW/5601210001/ztzl/xczx/index.html" || fail "no panel"
    [ -f "$WWW/5601210001/ztzl/xczx/section1.html" ] || fail "no section page"
    grep -qF '<h2>振兴动态</h2>' "$WWW/5601210001/elder/ztzl/xczx/index.html" || fail "no elder panel"
    jy "${J[@]}" topic clear "$T"; expect_rc 0
    jy "${J[@]}" render --pending; expect_rc 0
    [ ! -e "$WWW/5601210001/ztzl/xczx/section1.html" ] || fail "the section page stayed"
}

run_cases "$@"
