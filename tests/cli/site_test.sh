#!/bin/bash
# `jiyue site`: creating, changing, closing and merging sites as a platform
# admin does it, on a cluster of its own holding the demo platform. When
# nginx is installed, the redirect map it writes is served by a real nginx.
. "$(dirname "$0")/lib.sh"

DATA=$(new_data)
"$JIYUE" --log-level warn db start --data "$DATA" >/dev/null || { echo "cannot start cluster"; exit 1; }
"$JIYUE" --log-level warn --data "$DATA" migrate >/dev/null || { echo "cannot migrate"; exit 1; }
"$JIYUE" --log-level warn --data "$DATA" demo >/dev/null || { echo "cannot load the demo"; exit 1; }
export JIYUE_PG_DATA=$DATA JIYUE_LOG_LEVEL=warn

# one SQL statement, tab-separated rows in $OUT
q() { jy db exec "$1"; expect_rc 0; }
expect_line() { grep -qxF -- "$1" "$OUT" || fail "no line that is exactly: $1"; }

# a county of 岚川市 from the blueprint: new_county NN HOST
new_county() {
    jy site create --parent 5601000001 --blueprint county --name "新区$1人民政府" \
        --code "5601${1}0001" --domain "$2" --sponsor "新区$1管委会"
}

# N articles of the county CODE placed in its news column
add_items() {
    q "WITH k AS (SELECT id FROM site WHERE code = '$1'),
        i AS (INSERT INTO item (site_id, kind, title, publish_at)
              SELECT k.id, 'article', '动态' || g, now() FROM k, generate_series(1, $2) g
              RETURNING id, site_id, publish_at)
       INSERT INTO placement (item_id, column_id, site_id, state, published_at)
       SELECT i.id, c.id, c.site_id, 'published', i.publish_at FROM i
       JOIN site_column c ON c.site_id = i.site_id AND c.path = 'zwgk/zwdt/yw'"
}

case_help_and_usage_errors() {
    jy --help; expect_rc 0; expect_out "site "
    jy site --help; expect_rc 0; expect_out "usage: jiyue site ACTION"; expect_out "SITE:PATH"
    jy site; expect_rc 2; expect_out "missing action"
    jy site frob; expect_rc 2; expect_out 'unrecognized action "frob"'
    jy site create --parent 5601000001 --name x; expect_rc 2
    expect_out "needs --parent, --name, --code and --domain"
    jy site create --parent 5601000001 --frob 1; expect_rc 2; expect_out 'unrecognized option "--frob"'
    jy site create --parent; expect_rc 2; expect_out 'option "--parent" needs a value'
    jy site show; expect_rc 2; expect_out "site show needs a site"
    jy site close 5601210001; expect_rc 2; expect_out "needs a site and --into SITE:PATH"
    jy site set 5601210001; expect_rc 2; expect_out "KEY=VALUE"
    jy site redirects; expect_rc 2; expect_out "needs a site or --all"
    jy site blueprint --all --blueprint county; expect_rc 2
}

case_create_show_and_conflicts() {
    new_county 30 xinqu30.lanchuan.gov.cn; expect_rc 0
    expect_out 'created site "新区30人民政府" (code 5601300001'
    expect_out "84 columns from blueprint \"county\"; 7 of them reuse columns of sites above"
    jy site show xinqu30.lanchuan.gov.cn; expect_rc 0
    expect_out "新区30人民政府  (site, county, open)"; expect_out "parent         岚川市人民政府 (5601000001)"
    expect_out "columns        84 (7 reuse columns of sites above)"
    jy site show 5601300001 --json; expect_rc 0; expect_out '"column_count": 84'
    jy sites --site 5601300001; expect_rc 0; expect_out "xinqu30.lanchuan.gov.cn"
    # the blueprint's default review chain (初审 by a reviewer, 终审 by the site admin)
    q "SELECT string_agg(s ->> 'name' || ':' || (s ->> 'role'), ',') FROM site,
         jsonb_array_elements(settings -> 'review' -> 'steps') s WHERE code = '5601300001'"
    expect_line "初审:reviewer,终审:site_admin"
    # the same code again, the same domain again: a conflict naming it, nothing changed
    new_county 30 other30.lanchuan.gov.cn; expect_rc 1
    expect_out 'site code "5601300001" is already taken by "新区30人民政府"'
    jy site create --parent 5601000001 --blueprint county --name 另一新区 --code 5601310001 \
        --domain xinqu30.lanchuan.gov.cn; expect_rc 1
    expect_out 'domain "xinqu30.lanchuan.gov.cn" is already used by "新区30人民政府"'
    q "SELECT count(*) FROM site WHERE code IN ('5601310001') OR name = '另一新区'"; expect_line 0
}

case_bad_input_changes_nothing() {
    q "SELECT count(*) FROM site_column"; local before; before=$(cat "$OUT")
    jy site create --parent 5601000001 --blueprint county --name 坏 --code 12345 --domain a.gov.cn
    expect_rc 1; expect_out 'code "12345" must be 10 characters'
    jy site create --parent 5601000001 --blueprint county --name 坏 --code 5602320001 --domain a.gov.cn
    expect_rc 1; expect_out 'division code "560232" is not inside "560100"'
    jy site create --parent 5601000001 --blueprint village --name 坏 --code 5601320001 --domain a.gov.cn
    expect_rc 1; expect_out 'blueprint "village" does not exist'
    jy site create --parent nosuch.gov.cn --blueprint county --name 坏 --code 5601320001 --domain a.gov.cn
    expect_rc 1; expect_out 'parent "nosuch.gov.cn" does not exist'
    jy site set 5601000001 parent=5601210001; expect_rc 1
    expect_out 'cannot move "岚川市人民政府" under "栖云县人民政府"'; expect_out "would make a cycle"
    q "SELECT count(*) FROM site_column"; expect_line "$before"
}

case_set_settings() {
    jy site set 5601220001 sponsor=落霞县政府办公室 'domains=luoxia.lanchuan.gov.cn,www.luoxia.gov.cn'
    expect_rc 0; expect_out 'site "落霞县人民政府": 2 settings changed'
    jy site set 5601220001 sponsor=落霞县政府办公室; expect_rc 0; expect_out "nothing changed"
    jy site set 5601220001 icp_no=nonsense; expect_rc 1
    expect_out 'icp_no "nonsense" must be an ICP filing number'
    jy site set 5601220001 colour=red; expect_rc 1; expect_out 'unrecognized setting "colour"'
    jy site show www.luoxia.gov.cn; expect_rc 0
    expect_out "luoxia.lanchuan.gov.cn (primary), www.luoxia.gov.cn"
    q "SELECT count(*) FROM audit_log WHERE action = 'site.update'"; expect_line 1
}

case_close_merge_redirect_reopen() {
    new_county 40 xinqu40.lanchuan.gov.cn; expect_rc 0
    add_items 5601400001 300
    # a dry run reports and changes nothing
    jy site close 5601400001 --into 5601000001:zwgk/zwdt/xqdt --dry-run; expect_rc 0
    expect_out "(dry run: nothing was changed)"; expect_out "300 items placed in"
    q "SELECT status FROM site WHERE code = '5601400001'"; expect_line open
    # closing into itself or a site that is not above it is refused
    jy site close 5601400001 --into 5601400001:zwgk/tzgg; expect_rc 1
    expect_out "the column is on the site itself"
    jy site close 5601400001 --into 5602000001:zwgk/tzgg; expect_rc 1
    expect_out '"鹤岭市人民政府" is not a site above "新区40人民政府"'
    jy site close 5601400001 --into 5601000001:zwgk/zwdt/xqdt; expect_rc 0
    expect_out "closed site \"新区40人民政府\" into 5601000001:zwgk/zwdt/xqdt"
    expect_out "300 items placed in https://www.lanchuan.gov.cn/zwgk/zwdt/xqdt/"
    expect_out "385 old URLs mapped"
    jy site redirects 5601400001; expect_rc 0
    [ "$(wc -l <"$OUT")" -eq 385 ] || fail "expected 385 redirect lines"
    expect_out "$(printf '5601400001\tsite\txinqu40.lanchuan.gov.cn/\thttps://www.lanchuan.gov.cn/zwgk/zwdt/xqdt/')"
    jy site show 5601400001; expect_out "closed into    5601000001:zwgk/zwdt/xqdt 县区动态"
    jy site close 5601400001 --into 5601000001:zwgk/zwdt/xqdt; expect_rc 1; expect_out "is already closed"
    jy site reopen 5601400001 --unmerge; expect_rc 0
    expect_out "385 redirect entries retired"; expect_out "300 placements the close had added removed"
    jy site redirects 5601400001; expect_rc 0; [ ! -s "$OUT" ] || fail "live entries after reopen"
    jy site redirects 5601400001 --retired; expect_rc 0; expect_out "retired"
}

case_nginx_serves_the_map() {
    new_county 41 xinqu41.lanchuan.gov.cn; expect_rc 0
    add_items 5601410001 3
    jy site close 5601410001 --into 5601000001:zwgk/zwdt/xqdt; expect_rc 0
    jy site redirects --all --nginx; expect_rc 0
    expect_out 'map $host$uri $jy_redirect {'
    expect_out '"xinqu41.lanchuan.gov.cn/zwgk/" "https://www.lanchuan.gov.cn/zwgk/zwdt/xqdt/";'
    if ! command -v nginx >/dev/null || ! command -v curl >/dev/null; then
        echo "    (nginx or curl is not installed: the map was checked as text only)"
        return 0
    fi
    local n=$TMP/nginx item
    mkdir -p "$n"; cp "$OUT" "$n/redirects.map"
    cat >"$n/nginx.conf" <<EOF
daemon on;
pid $n/nginx.pid;
error_log $n/error.log;
events {}
http {
    access_log off;
    client_body_temp_path $n; proxy_temp_path $n; fastcgi_temp_path $n;
    uwsgi_temp_path $n; scgi_temp_path $n;
    map_hash_bucket_size 256;
    include $n/redirects.map;
    server {
        listen unix:$n/http.sock;
        if (\$jy_redirect) { return 301 \$jy_redirect; }
        return 404;
    }
}
EOF
    nginx -e "$n/error.log" -p "$n" -c "$n/nginx.conf" >"$OUT" 2>&1 || fail "nginx did not start"
    get() {
        curl -s -o /dev/null -w '%{http_code} %{redirect_url}' --unix-socket "$n/http.sock" \
            -H "Host: $1" "http://x$2"
    }
    q "SELECT min(i.id) FROM item i JOIN site s ON s.id = i.site_id WHERE s.code = '5601410001'"
    item=$(cat "$OUT")
    local r1 r2 r3 r4
    r1=$(get xinqu41.lanchuan.gov.cn "/zwgk/zwdt/yw/$item.html")
    r2=$(get xinqu41.lanchuan.gov.cn /zwgk/zcwj/shengzfwj/77.html)
    r3=$(get xinqu41.lanchuan.gov.cn /no/such/page.html)
    r4=$(get www.lanchuan.gov.cn /)
    kill "$(cat "$n/nginx.pid")" 2>/dev/null
    [ "$r1" = "301 https://www.lanchuan.gov.cn/zwgk/zwdt/xqdt/$item.html" ] || fail "item page: $r1"
    [ "$r2" = "301 https://www.yunling.gov.cn/zwgk/zcwj/szfwj/77.html" ] || fail "reused page: $r2"
    [ "$r3" = "301 https://www.lanchuan.gov.cn/zwgk/zwdt/xqdt/" ] || fail "other page: $r3"
    [ "$r4" = "404 " ] || fail "a live host was redirected: $r4"
}

case_promote_and_demote() {
    jy site demote 5601220001; expect_rc 1; expect_out "is open: only a closed site becomes a unit"
    jy site promote 5601210001/栖云县云台镇人民政府 --code 5601210005 --domain yt.lanchuan.gov.cn
    expect_rc 1; expect_out "is a township"
    jy site promote 5601210001/栖云县教育体育局 --code 5601210002 --domain jyj.qiyun.lanchuan.gov.cn \
        --blueprint department
    expect_rc 0; expect_out 'promoted "栖云县教育体育局" to a site (code 5601210002'
    expect_out "40 columns from blueprint \"department\""
    new_county 42 xinqu42.lanchuan.gov.cn; expect_rc 0
    add_items 5601420001 10
    jy site close 5601420001 --into 5601000001:zwgk/zwdt/xqdt; expect_rc 0
    jy site demote 5601420001; expect_rc 0; expect_out "is now a column-only unit"
    jy site show 5601420001; expect_out "新区42人民政府  (unit, county, closed)"
    expect_out "items          10 owned"
    jy site reopen 5601420001; expect_rc 1; expect_out "promote it to reopen it"
    jy site promote 5601000001/新区42人民政府; expect_rc 0; expect_out "entries of its closed site retired"
    jy site show 5601420001; expect_out "新区42人民政府  (site, county, open)"
    q "SELECT string_agg(a.action, ',' ORDER BY a.id) FROM audit_log a JOIN site s ON s.id = a.site_id
       WHERE s.code = '5601420001' AND a.action LIKE 'site.%'"
    expect_line "site.create,site.close,site.demote,site.promote"
}

case_blueprint_reapply() {
    jy site blueprint --all --dry-run; expect_rc 0
    expect_out "sites checked, 0 columns created (dry run: nothing was changed)"
    q "DELETE FROM site_column WHERE path = 'zwgk/qzqd'
       AND site_id = (SELECT id FROM site WHERE code = '5602210001')"
    jy site blueprint shichuang.heling.gov.cn --dry-run; expect_rc 0
    expect_out "+ zwgk/qzqd  权责清单"; expect_out "1 column created (dry run"
    jy site blueprint 5602210001; expect_rc 0; expect_out "1 site checked, 1 column created"
    jy site blueprint 5602210001; expect_rc 0; expect_out "0 columns created"
}

run_cases "$@"
