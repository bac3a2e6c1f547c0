#!/bin/bash
# jiyue render on the demo platform, as an operator would use it: a full
# render of every site; every HTML page of the demo passes the Nu HTML
# Checker (vnu-jar with the machine's Java); every sitemap.xml validates
# against the sitemaps.org schema (../shared/spec/sitemaps) and every RSS
# file is well-formed XML (xmllint); an edit through the CLI followed by
# --pending rewrites only what it touches; --explain; usage errors.
. "$(dirname "$0")/lib.sh"

SRC=${JY_SOURCE_DIR:?JY_SOURCE_DIR must name the source tree}
VNU=$SRC/node_modules/vnu-jar/build/dist/vnu.jar
SCHEMA=$SRC/../shared/spec/sitemaps/sitemap.xsd
DATA=$(new_data)
WWW=$TMP/www
"$JIYUE" --log-level warn --data "$DATA" demo >/dev/null || { echo "cannot load the demo"; exit 1; }
J=(--log-level warn --data "$DATA" --set "output_dir=$WWW" --set "file_dir=$TMP/files")

# a topic with sections and an item with an uploaded attachment: their pages are checked too
jy "${J[@]}" topic set 5600000001:ztzl/yhyshj --section 营商环境 --expr 优化营商环境 --items 3 \
    --section 就业与健康 --expr '就业 OR 卫生健康' --more /zwgk/zwdt/
[ "$RC" -eq 0 ] || { cat "$OUT"; echo "topic set failed"; exit 1; }
printf '%%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< >>\n%%%%EOF\n' >"$TMP/方案.pdf"
jy "${J[@]}" file add "$TMP/方案.pdf" --site 5600000001
[ "$RC" -eq 0 ] || { cat "$OUT"; echo "file add failed"; exit 1; }
PDF_SHA=$(sha256sum "$TMP/方案.pdf" | cut -c1-64)
jy "${J[@]}" file attach "$PDF_SHA" --item 4 --caption 实施方案
[ "$RC" -eq 0 ] || { cat "$OUT"; echo "file attach failed"; exit 1; }

jy "${J[@]}" render --all
[ "$RC" -eq 0 ] || { cat "$OUT"; echo "render --all failed"; exit 1; }
cp "$OUT" "$TMP/render-all.out"

case_render_all_prints_a_summary() {
    cp "$TMP/render-all.out" "$OUT"
    expect_out "of 19 sites in"
    expect_out "0 removed"
    [ -L "$WWW/5600000001" ] || fail "the site folder is not a link to its live build"
    [ -f "$WWW/5600000001/index.html" ] || fail "no home page"
    [ -f "$WWW/5603210001/elder/zwgk/zcwj/shengzfwj/1.html" ] || fail "no reused elder page"
}

case_topic_sections_and_uploaded_files_are_in_the_tree() {
    [ -f "$WWW/5600000001/ztzl/yhyshj/section1.html" ] || fail "no section page"
    [ -f "$WWW/5600000001/elder/ztzl/yhyshj/section2.html" ] || fail "no elder section page"
    grep -qF '<h2>就业与健康</h2>' "$WWW/5600000001/ztzl/yhyshj/index.html" || fail "no panel"
    cmp -s "$TMP/方案.pdf" "$WWW/5600000001/files/$PDF_SHA.pdf" || fail "the attachment differs"
    grep -qF "href=\"/files/$PDF_SHA.pdf\"" "$WWW/5600000001/zwgk/zwdt/yw/4.html" ||
        fail "the item page does not link the attachment"
}

case_every_page_is_valid_html() {
    command -v java >/dev/null || fail "java is missing: run tools/install-deps.sh"
    [ -f "$VNU" ] || sh "$SRC/tools/npm-deps.sh" || fail "cannot install vnu-jar"
    local n; n=$(find -L "$WWW" -name '*.html' | wc -l)
    [ "$n" -gt 3000 ] || fail "expected over 3000 pages, found $n"
    RC=0
    java -jar "$VNU" --errors-only --skip-non-html --format text "$WWW/.builds" >"$OUT" 2>&1 || RC=$?
    expect_rc 0
    expect_out "No errors found."
}

case_sitemaps_validate_and_feeds_are_well_formed() {
    command -v xmllint >/dev/null || fail "xmllint is missing: run tools/install-deps.sh"
    [ -f "$SCHEMA" ] || fail "no sitemap schema at $SCHEMA"
    local f n=0
    for f in "$WWW"/*/sitemap.xml; do
        xmllint --noout --schema "$SCHEMA" "$f" >"$OUT" 2>&1 || fail "$f does not validate"
        n=$((n + 1))
    done
    [ "$n" -eq 19 ] || fail "expected 19 sitemaps, found $n"
    n=0
    while read -r f; do
        xmllint --noout "$f" >"$OUT" 2>&1 || fail "$f is not well-formed"
        grep -q '<rss version="2.0">' "$f" || fail "$f is not RSS 2.0"
        n=$((n + 1))
    done < <(find -L "$WWW" -name rss.xml)
    [ "$n" -gt 500 ] || fail "expected over 500 feeds, found $n"
}

case_json_channel_parses() {
    local f
    for f in "$WWW/5600000001/api/site.json" "$WWW/5600000001/api/items/1.json" \
             "$WWW/5603210001/api/items/1.json"; do
        python3 -m json.tool "$f" >"$OUT" 2>&1 || fail "$f is not JSON"
    done
    grep -q '"canonical":"https://www.yunling.gov.cn/' "$WWW/5603210001/api/items/1.json" ||
        fail "the reused item's JSON lacks its canonical URL"
}

case_edit_then_pending_rewrites_only_what_it_touches() {
    jy "${J[@]}" render --pending
    expect_rc 0
    expect_out "rendered 0 files of 0 sites"
    # a file put into place gets a new inode: compare them across the run
    local prov county
    prov=$(stat -L -c %i "$WWW/5600000001/index.html")
    county=$(stat -L -c %i "$WWW/5601210001/index.html")
    jy "${J[@]}" item set 7 title=栖云县开展春季森林防火专项督查检查
    expect_rc 0
    jy "${J[@]}" render --pending
    expect_rc 0
    expect_out "of 1 sites"
    grep -q "专项督查检查" "$WWW/5601210001/index.html" || fail "home page not updated"
    [ "$county" != "$(stat -L -c %i "$WWW/5601210001/index.html")" ] || fail "county home not replaced"
    [ "$prov" = "$(stat -L -c %i "$WWW/5600000001/index.html")" ] || fail "province home rewritten"
}

case_explain_names_dependencies() {
    jy "${J[@]}" render --site 5603210001 --explain zwgk/zcwj/shengzfwj/index.html
    expect_rc 0
    expect_out "renders: column"
    expect_out "(site 5600000001)"
    expect_out "item 1 (policy)"
    jy "${J[@]}" render --site 5603210001 --explain nope.html
    expect_rc 1
    expect_out "has no rendered file \"nope.html\""
}

case_usage_errors() {
    jy "${J[@]}" render
    expect_rc 2
    expect_out "give one of --site S, --all, --pending, --watch"
    jy "${J[@]}" render --all --site 5600000001
    expect_rc 2
    jy "${J[@]}" render --site nosuch
    expect_rc 1
    expect_out "there is no site \"nosuch\""
    jy "${J[@]}" render --all --channel "Paper/1"
    expect_rc 2
    expect_out "--channel takes a channel's code (desktop, elder, json, rss, sitemap or one the theme declares)"
    jy "${J[@]}" render --all --threads 0
    expect_rc 2
}

case_a_folder_in_the_way_is_reported_not_overwritten() {
    local w2=$TMP/www2
    mkdir -p "$w2/5600000001"
    echo keep >"$w2/5600000001/mine.txt"
    jy --log-level warn --data "$DATA" --set "output_dir=$w2" render --site 5600000001
    expect_rc 1
    expect_out "is a folder, not the link to the live tree"
    [ "$(cat "$w2/5600000001/mine.txt")" = keep ] || fail "the folder was touched"
}

# a plugin's output channel (plugins/example: "plaintext", an item page's path in
# <page>.txt; nothing for other pages) is written beside the pages it takes
case_y_plugin_output_channel() {
    local plugins=${JY_PLUGIN_BUILD_DIR:?}/example
    jy "${J[@]}" --set "plugin_dir=$plugins" render --all
    expect_rc 0
    [ "$(cat "$WWW/5600000001/zwgk/zwdt/yw/4.html.txt")" = "/zwgk/zwdt/yw/4.html" ] ||
        fail "no plaintext file for an item page"
    [ ! -e "$WWW/5600000001/index.html.txt" ] || fail "the channel declined the home page"
    jy "${J[@]}" db exec "SELECT count(*) FROM render_file WHERE channel = 'plugin'"
    grep -qE "^ *[1-9][0-9]*$" "$OUT" || fail "no plugin files in the manifest"
    # without the plugin, its files go with the next run
    jy "${J[@]}" render --all
    expect_rc 0
    [ ! -e "$WWW/5600000001/zwgk/zwdt/yw/4.html.txt" ] || fail "the plugin's file stayed"
}

# last (case_z): it closes a site of the shared demo
case_z_closed_site_renders_its_redirects() {
    local host; host=$("$JIYUE" "${J[@]}" db exec "SELECT domain FROM site_domain d JOIN site s ON s.id = d.site_id WHERE s.code = '5602210001' AND d.is_primary")
    [ -f "$WWW/5602210001/zwgk/index.html" ] || fail "no page to redirect"
    jy "${J[@]}" site close 5602210001 --into 5602000001:zwgk/zwdt
    expect_rc 0
    jy "${J[@]}" render --pending
    expect_rc 0
    expect_out "of 1 sites"
    grep -q '<meta http-equiv="refresh" content="0; url=https://' "$WWW/5602210001/index.html" ||
        fail "the closed site's home page does not redirect"
    grep -q 'http-equiv="refresh"' "$WWW/5602210001/zwgk/index.html" || fail "a column does not redirect"
    [ ! -e "$WWW/5602210001/sitemap.xml" ] || fail "the closed site kept its sitemap"
    grep -qF "\"$host/\" \"https://" "$WWW/redirects.map" || fail "redirects.map lacks $host"
    jy "${J[@]}" db exec "SELECT count(*) FROM render_file f JOIN site s ON s.id = f.site_id WHERE s.code = '5602210001' AND f.path = 'sitemap.xml'"
    expect_out "0"
}

run_cases "$@"
