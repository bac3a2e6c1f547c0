#!/bin/bash
# jiyue render --all in full, as the benchmark runs it (tools/bench/bench_render):
# every file of the plan lands at its final name in folders made once, no
# temporary file is left, a second full build gives the same tree (unchanged
# files linked), and an incremental run after an edit still goes through
# temporary names.
. "$(dirname "$0")/lib.sh"

DATA=$(new_data)
J=(--log-level warn --data "$DATA")
CORPUS=$TMP/corpus
WWW=$TMP/www
export JIYUE_OUTPUT_DIR=$WWW
python3 "${JY_SOURCE_DIR:?}/../shared/bench/make_corpus.py" --scale small --out "$CORPUS" 2>/dev/null ||
    { echo "cannot generate the corpus"; exit 1; }
"$JIYUE" "${J[@]}" db start >/dev/null || { echo "cannot start the cluster"; exit 1; }
"$JIYUE" "${J[@]}" import --quiet "$CORPUS" >/dev/null || { echo "cannot import the corpus"; exit 1; }

# N of "rendered N files" in $OUT
rendered() { grep -o "rendered [0-9]* files" "$OUT" | awk '{print $2}'; }
# files the manifest lists
manifest_count() { "$JIYUE" "${J[@]}" db exec "SELECT count(*) FROM render_file" | tail -n 1 | tr -d ' '; }

# the files of the live trees: path relative to the site folder, one a line
live_files() {
    local s
    for s in "$WWW"/99*; do
        (cd "$s/" && find . -type f | sed "s|^\.|$(basename "$s")|")
    done | sort
}

case_full_build_writes_every_file_in_place() {
    jy "${J[@]}" render --all --channel desktop; expect_rc 0
    expect_out "of 10 sites"
    local n; n=$(rendered)
    [ "$n" -gt 1000 ] || fail "expected over 1000 files, rendered $n"
    [ "$(ls -d "$WWW"/99* | wc -l)" -eq 10 ] || fail "10 site links"
    [ "$(ls "$WWW/.builds" | wc -l)" -eq 10 ] || fail "10 builds"
    [ "$(live_files | wc -l)" -eq "$n" ] || fail "$n files in the live trees, found $(live_files | wc -l)"
    [ "$(manifest_count)" -eq "$n" ] || fail "the manifest does not list the $n files"
    [ -z "$(find "$WWW/.builds" -name '*.jytmp')" ] || fail "temporary files left"
    # an article's page at its primary column, a list page, a home
    local code path
    code=$("$JIYUE" "${J[@]}" db exec "SELECT code FROM site WHERE id = (SELECT site_id FROM item WHERE id = 1)" | tail -n 1 | tr -d ' ')
    path=$("$JIYUE" "${J[@]}" db exec "SELECT c.path FROM placement p JOIN site_column c ON c.id = p.column_id WHERE p.item_id = 1 AND p.is_primary" | tail -n 1 | tr -d ' ')
    [ -s "$WWW/$code/$path/1.html" ] || fail "no page $code/$path/1.html"
    [ -s "$WWW/$code/$path/index.html" ] || fail "no list $code/$path/index.html"
    [ -s "$WWW/$code/index.html" ] || fail "no home of $code"
    # every folder is a real folder of the build, readable by the web server
    [ -z "$(find "$WWW/.builds" -mindepth 1 -type d ! -perm 755)" ] || fail "folders not 755"
}

case_second_full_build_is_the_same_tree() {
    jy "${J[@]}" render --all --channel desktop; expect_rc 0
    rm -rf "$TMP/before"
    mkdir "$TMP/before"
    cp -rL "$WWW"/99* "$TMP/before/"
    jy "${J[@]}" render --all --channel desktop; expect_rc 0
    expect_out "0 written, $(rendered) unchanged"
    [ "$(ls "$WWW/.builds" | wc -l)" -eq 10 ] || fail "the old builds were not removed"
    local s
    for s in "$TMP"/before/*; do
        diff -r "$s" "$WWW/$(basename "$s")/" >/dev/null || fail "$(basename "$s") changed"
    done
    [ -z "$(find "$WWW/.builds" -name '*.jytmp')" ] || fail "temporary files left"
}

case_incremental_run_after_an_edit() {
    jy "${J[@]}" render --all --channel desktop; expect_rc 0
    jy "${J[@]}" db exec "UPDATE item SET title = title || '（已更新）' WHERE id = 1"; expect_rc 0
    local n; n=$(manifest_count)
    jy "${J[@]}" render --pending --channel desktop; expect_rc 0
    expect_out "of 1 sites"
    [ "$(rendered)" -lt 100 ] || fail "an edit rendered $(rendered) files"
    grep -rlq "（已更新）" "$WWW"/99*/ || fail "the edit is not on any page"
    [ -z "$(find "$WWW/.builds" -name '*.jytmp')" ] || fail "temporary files left"
    [ "$(live_files | wc -l)" -eq "$n" ] || fail "$n files in the live trees"
}

run_cases "$@"
