#!/bin/bash
# jiyue import / jiyue export of the benchmark corpus format, as an operator
# runs them: summary, idempotence, bad lines with file and line, --skip-bad,
# round trip, usage errors.
. "$(dirname "$0")/lib.sh"

DATA=$(new_data)
J=(--log-level warn --data "$DATA")
CORPUS=$TMP/corpus
python3 "${JY_SOURCE_DIR:?}/../shared/bench/make_corpus.py" --scale small --out "$CORPUS" 2>/dev/null ||
    { echo "cannot generate the corpus"; exit 1; }
"$JIYUE" "${J[@]}" db start >/dev/null || { echo "cannot start the cluster"; exit 1; }

# a copy of the corpus to change: $1 names it
copy() {
    rm -rf "$TMP/$1"
    cp -r "$CORPUS" "$TMP/$1"
}

case_import_reimport_export() {
    jy "${J[@]}" import "$CORPUS"; expect_rc 0
    expect_out 'imported corpus "corpus"'
    expect_out "10 sites, 200 columns, 1000 articles"
    expect_out "items/s"; expect_out "peak memory"
    grep -Eq '^  item +1000 +0 +0 +0$' "$OUT" || fail "1000 items created"
    # progress is plain lines when stderr is no terminal
    expect_out "import: articles.jsonl"
    jy "${J[@]}" import --quiet "$CORPUS"; expect_rc 0
    grep -Eq '^  item +0 +0 +1000 +0$' "$OUT" || fail "1000 items unchanged"
    grep -Eq '^  placement +0 +0 +1061 +0$' "$OUT" || fail "1061 placements unchanged"
    expect_no_out "import: articles.jsonl"
    jy "${J[@]}" export "$TMP/exported"; expect_rc 0
    expect_out "exported 10 sites, 200 columns, 1000 articles"
    for f in sites.jsonl columns.jsonl articles.jsonl; do
        cmp -s "$CORPUS/$f" "$TMP/exported/$f" || fail "$f differs after the round trip"
    done
    jy "${J[@]}" export "$TMP/county" --site 9901010001; expect_rc 0
    expect_out "exported 1 sites, 20 columns"
    expect_out "2 reusing columns written without shared_from"
    jy "${J[@]}" audit --limit 5; expect_rc 0; expect_out "import.corpus"
}

case_bad_line_names_file_line_field() {
    copy bad
    sed -i '3s/"pub_date":"[^"]*"/"pub_date":"yesterday"/' "$TMP/bad/articles.jsonl"
    jy "${J[@]}" import -q "$TMP/bad" --source other; expect_rc 1
    expect_out 'articles.jsonl:3: field "pub_date" must be a time like 2023-05-16T19:01:00+08:00, not "yesterday"'
    # nothing of it was stored
    jy "${J[@]}" db exec "SELECT count(*) FROM import_key WHERE source = 'other'"
    expect_out "0"
    jy "${J[@]}" import -q "$TMP/bad" --source other --skip-bad --dry-run; expect_rc 0
    expect_out "left out 1 bad line:"
    expect_out '  articles.jsonl:3: field "pub_date"'
    expect_out "checked (and rolled back)"
}

case_usage_and_refusals() {
    jy "${J[@]}" import; expect_rc 2; expect_out "give the corpus folder"
    jy "${J[@]}" import "$CORPUS" --frob; expect_rc 2; expect_out 'unrecognized option "--frob"'
    jy "${J[@]}" import "$TMP/nowhere"; expect_rc 1; expect_out "nowhere/manifest.json"
    jy "${J[@]}" import "$CORPUS" --source "Not Valid"; expect_rc 1
    expect_out 'source "Not Valid" must be'
    jy "${J[@]}" --as someone import "$CORPUS"; expect_rc 1; expect_out "import runs as the system"
    jy "${J[@]}" export; expect_rc 2
    jy "${J[@]}" export "$TMP/x" --site 1234567890; expect_rc 1
    jy "${J[@]}" import --help; expect_rc 0; expect_out "--skip-bad"
}

run_cases "$@"
