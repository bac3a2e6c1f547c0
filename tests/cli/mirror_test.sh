#!/bin/bash
# Mirrors from the command line: `jiyue mirror add/list/status/push/verify/
# enable/disable/remove` and `jiyue pusher --once`, on the demo province with
# a folder mirror; the renderer's output is stood in for by files and
# render_file rows written as its contract says (schema/0040_render_output.sql).
. "$(dirname "$0")/lib.sh"

DATA=$(new_data)
"$JIYUE" --log-level warn --data "$DATA" demo >/dev/null || { echo "cannot load the demo"; exit 1; }
OUTDIR=$TMP/www
J=(--log-level warn --data "$DATA" --set "output_dir=$OUTDIR")
SITE=5600000001

# render: one page and one asset, in a finished generation
render() {
    mkdir -p "$OUTDIR/$SITE/assets"
    printf '%s' "$1" >"$OUTDIR/$SITE/index.html"
    printf 'body{}' >"$OUTDIR/$SITE/assets/a.css"
    local h1 h2
    h1=$(sha256sum <"$OUTDIR/$SITE/index.html" | cut -d' ' -f1)
    h2=$(sha256sum <"$OUTDIR/$SITE/assets/a.css" | cut -d' ' -f1)
    "$JIYUE" "${J[@]}" db exec "
        WITH s AS (SELECT id FROM site WHERE code = '$SITE'),
        g AS (INSERT INTO render_generation (site_id, reason) SELECT id, 'test' FROM s RETURNING id, site_id)
        INSERT INTO render_file (site_id, path, channel, size, sha256, is_asset, generation)
        SELECT site_id, 'index.html', 'desktop', ${#1}, '$h1', false, id FROM g
        UNION ALL SELECT site_id, 'assets/a.css', 'asset', 6, '$h2', true, id FROM g
        ON CONFLICT (site_id, path) DO UPDATE SET size = excluded.size, sha256 = excluded.sha256,
            generation = excluded.generation;
        UPDATE render_generation SET finished_at = now() WHERE finished_at IS NULL" >/dev/null
}

case_usage_errors() {
    jy "${J[@]}" mirror; expect_rc 2; expect_out "missing action"
    jy "${J[@]}" mirror frobnicate; expect_rc 2; expect_out 'unrecognized action "frobnicate"'
    jy "${J[@]}" mirror add $SITE m1; expect_rc 2; expect_out "needs --kind and --url"
    jy "${J[@]}" mirror add $SITE m1 --kind folder --url /x --verify some; expect_rc 2
    expect_out '--verify takes a number of files or "all", not "some"'
    jy "${J[@]}" mirror --help; expect_rc 0; expect_out "usage: jiyue mirror add SITE NAME"
    jy "${J[@]}" pusher --help; expect_rc 0; expect_out "SIGTERM or SIGINT stop it cleanly"
}

case_bad_input_names_the_problem() {
    jy "${J[@]}" mirror add $SITE m1 --kind webdav --url http://user:pw@m1.example.cn/dav/
    expect_rc 1; expect_out "must not hold a user or password"
    jy "${J[@]}" mirror add $SITE M1 --kind folder --url /srv/www; expect_rc 1
    expect_out 'invalid mirror name "M1"'
    jy "${J[@]}" mirror add 5699999999 m1 --kind folder --url /srv/www; expect_rc 1
    jy "${J[@]}" mirror list; expect_rc 0; expect_out "no mirrors"
}

case_folder_mirror_push_status_verify() {
    render '<p>v1</p>'
    jy "${J[@]}" mirror add $SITE local --kind folder --url "$TMP/m1" --verify all; expect_rc 0
    expect_out "a full push is queued"
    jy "${J[@]}" mirror status $SITE/local; expect_rc 0
    expect_out "state       new"; expect_out "lag         2 files"; expect_out "queued"
    jy "${J[@]}" mirror push $SITE/local --wait; expect_rc 0
    expect_out "2 files sent"; expect_out "state       ok"; expect_out "lag         0 files, 0 s"
    cmp -s "$OUTDIR/$SITE/index.html" "$TMP/m1/index.html" || fail "index.html differs"
    # an unchanged site: nothing to send
    jy "${J[@]}" mirror push $SITE/local --wait; expect_rc 0; expect_out "0 files sent"
    # a new render reaches the mirror through the pusher
    render '<p>v2, longer</p>'
    jy "${J[@]}" pusher --once; expect_rc 0; expect_out "1 files sent"
    cmp -s "$OUTDIR/$SITE/index.html" "$TMP/m1/index.html" || fail "index.html not updated"
    # tampering is found, reported and repaired by the next push
    printf 'defaced' >"$TMP/m1/index.html"
    jy "${J[@]}" mirror verify $SITE/local; expect_rc 1
    expect_out "index.html: wrong content"; expect_out "1 wrong or missing"
    jy "${J[@]}" pusher --once; expect_rc 0; expect_out "1 files sent"
    jy "${J[@]}" mirror verify $SITE/local; expect_rc 0; expect_out "2 ok"
}

case_secrets_are_never_shown() {
    printf 'pa55-w0rd-xyz\n' >"$TMP/pw"
    jy "${J[@]}" mirror add $SITE dav --kind webdav --url http://127.0.0.1:9/dav/ \
        --user pusher --password-file "$TMP/pw" --timeout 2; expect_rc 0
    expect_no_out "pa55-w0rd-xyz"
    jy "${J[@]}" mirror list; expect_rc 0; expect_out "webdav"; expect_no_out "pa55"
    jy "${J[@]}" mirror push $SITE/dav --wait; expect_rc 3
    expect_out "does not hold its manifest yet"; expect_out "Couldn't connect to server"
    expect_no_out "pa55"
    jy "${J[@]}" mirror status; expect_rc 0; expect_out "state       retrying"; expect_no_out "pa55"
    jy "${J[@]}" audit; expect_no_out "pa55"
    jy "${J[@]}" mirror disable $SITE/dav; expect_rc 0
    jy "${J[@]}" mirror push $SITE/dav; expect_rc 1; expect_out "is disabled"
    jy "${J[@]}" mirror remove $SITE/dav; expect_rc 0
    jy "${J[@]}" mirror status $SITE/dav; expect_rc 1; expect_out "no mirror"
}

run_cases "$@"
