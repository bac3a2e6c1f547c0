#!/bin/bash
# The default theme's pages are valid HTML: every fixture page of
# tests/unit/theme_test.c (written out by that program) passes the Nu HTML
# Checker (npm package vnu-jar, run with the machine's Java) with no error,
# and the theme's stylesheets pass its CSS checker.
. "$(dirname "$0")/lib.sh"

SRC=${JY_SOURCE_DIR:?JY_SOURCE_DIR must name the source tree}
THEME_TEST=$(dirname "$JIYUE")/tests/unit_theme_test
VNU=$SRC/node_modules/vnu-jar/build/dist/vnu.jar
PAGES=$TMP/pages

sh "$SRC/tools/npm-deps.sh" || { echo "cannot install the Node packages (tools/npm-deps.sh)"; exit 1; }
command -v java >/dev/null || { echo "java is missing: run tools/install-deps.sh"; exit 1; }
[ -x "$THEME_TEST" ] || { echo "$THEME_TEST is missing: build the tree first"; exit 1; }

# vnu DIR-OR-FILE ARGS...: run the checker, its report in $OUT, status in $RC
vnu() {
    RC=0
    java -jar "$VNU" --errors-only --format text "$@" >"$OUT" 2>&1 || RC=$?
}

JY_THEME_OUT=$PAGES "$THEME_TEST" >"$TMP/theme_test.log" 2>&1 ||
    { cat "$TMP/theme_test.log"; echo "theme_test failed"; exit 1; }

case_every_page_is_valid_html() {
    local n
    n=$(ls "$PAGES"/*.html | wc -l)
    [ "$n" -ge 14 ] || fail "expected at least 14 pages, found $n"
    vnu --skip-non-html "$PAGES"
    expect_rc 0
    expect_no_out "Error"
}

case_stylesheets_are_valid_css() {
    ls "$PAGES"/assets/site.*.css "$PAGES"/assets/elder.*.css >/dev/null || fail "assets missing"
    vnu --skip-non-css --also-check-css "$PAGES/assets"
    expect_rc 0
    expect_no_out "Error"
}

# the check can fail: a page with a mistake of the kind templates make
case_checker_finds_errors() {
    mkdir -p "$TMP/bad"
    sed -e 's|<main id="main"|<main id="jy-q"|' -e 's|</ul>||' "$PAGES/column.html" >"$TMP/bad/column.html"
    vnu --skip-non-html "$TMP/bad"
    expect_rc 1
    expect_out "Duplicate ID"
    expect_out "End tag"
}

run_cases "$@"
