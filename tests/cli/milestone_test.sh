#!/bin/bash
# The first milestone, end to end, from the command line: a platform admin
# creates a county site; an editor writes one document into the province's
# 省政府文件 column, which every county reuses (一次编辑、多处发布); a reviewer
# approves and publishes; `jiyue serve` (renderer, pusher and scheduler on
# its threads) renders every affected page of every site and the pusher
# lands them on each site's mirror. The time from the publish command to
# the last mirror holding its page is printed, not asserted (no timings in
# tests: tools/bench measures).
. "$(dirname "$0")/lib.sh"

DATA=$(new_data)
WWW=$TMP/www
PORT=$((20000 + $$ % 20000))
"$JIYUE" --log-level warn --data "$DATA" demo >/dev/null || { echo "cannot load the demo"; exit 1; }
J=(--log-level warn --data "$DATA" --set "output_dir=$WWW" --set "listen=127.0.0.1:$PORT"
   --set password_cost=test)
SERVE_PID=
stop_serve() { [ -n "$SERVE_PID" ] && kill "$SERVE_PID" 2>/dev/null && wait "$SERVE_PID" 2>/dev/null; SERVE_PID=; }
trap 'stop_serve; cleanup' EXIT

# wait_for FILE TEXT: until FILE holds TEXT (60 s at most)
wait_for() {
    local i
    for i in $(seq 600); do
        grep -qF -- "$2" "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    echo "    \"$2\" never appeared in $1"; return 1
}

case_create_write_approve_render_push() {
    # the platform admin creates a county site from the county blueprint
    jy "${J[@]}" --as admin site create --parent 5601000001 --blueprint county \
        --name "新区88人民政府" --code 5601880001 --domain xinqu88.lanchuan.gov.cn --sponsor "新区88管委会"
    expect_rc 0
    # every site rendered once, then a folder mirror for the province and the new county
    jy "${J[@]}" render --all; expect_rc 0; expect_out "of 20 sites"
    jy "${J[@]}" mirror add 5600000001 prov --kind folder --url "$TMP/m-prov"; expect_rc 0
    jy "${J[@]}" mirror add 5601880001 xinqu --kind folder --url "$TMP/m-xinqu"; expect_rc 0
    # the whole platform in one process
    ${JY_SERVE_WRAP:-} "$JIYUE" "${J[@]}" --log-level info serve --ready-file "$TMP/ready" >"$TMP/serve.log" 2>&1 &
    SERVE_PID=$!
    for _ in $(seq 300); do [ -s "$TMP/ready" ] && break; sleep 0.1; done
    [ -s "$TMP/ready" ] || fail "serve did not start: $(cat "$TMP/serve.log")"
    # both mirrors catch up with the first render
    wait_for "$TMP/m-xinqu/index.html" "新区88人民政府" || fail "the county mirror never got its home page"

    # the site preview of jiyue serve: /sites/<code>/ chooses the site, its pages at their paths
    python3 - "$PORT" >"$OUT" 2>&1 <<'PY' || fail "site preview"
import sys, urllib.request, urllib.error, http.cookiejar
base = "http://127.0.0.1:%s" % sys.argv[1]
opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
home = opener.open(base + "/sites/5601880001/").read().decode()
assert "新区88人民政府" in home, home[:300]
page = opener.open(base + "/zwgk/").read().decode()
assert "<meta name=\"SiteIDCode\" content=\"5601880001\">" in page
for bad in ("/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/nope.html"):
    try:
        opener.open(base + bad)
        raise SystemExit("served " + bad)
    except urllib.error.HTTPError as e:
        assert e.code == 404, (bad, e.code)
print("preview ok")
PY
    expect_out "preview ok"

    jy "${J[@]}" review chain 5600000001 --step 初审:role=reviewer; expect_rc 0
    jy "${J[@]}" --as liu.yang item add --site 5600000001 --kind policy \
        --title "云岭省人民政府关于里程碑测试的通知" --field doc_no=岭政发〔2026〕88号 \
        --field issuer=云岭省人民政府 --field validity=有效 --field written_on=2026-11-20 \
        --field subject=综合政务 --place 5600000001:zwgk/zcwj/szfwj
    expect_rc 0
    local id; id=$(grep -o "created item [0-9]*" "$OUT" | awk '{print $3}')
    [ -n "$id" ] || fail "no item id"
    jy "${J[@]}" --as liu.yang item submit "$id" 5600000001:zwgk/zcwj/szfwj; expect_rc 0
    jy "${J[@]}" --as chen.jing item approve "$id" 5600000001:zwgk/zcwj/szfwj; expect_rc 0
    local t0; t0=$(date +%s.%N)
    jy "${J[@]}" --as chen.jing item publish "$id" 5600000001:zwgk/zcwj/szfwj; expect_rc 0
    expect_out "approved -> published"

    # the province page, and the county's reused page in its own URL space, on their mirrors
    wait_for "$TMP/m-prov/zwgk/zcwj/szfwj/$id.html" "里程碑测试" || fail "province mirror lacks the page"
    wait_for "$TMP/m-xinqu/zwgk/zcwj/shengzfwj/$id.html" "里程碑测试" || fail "county mirror lacks the page"
    wait_for "$TMP/m-xinqu/zwgk/zcwj/shengzfwj/index.html" "里程碑测试" || fail "county list not updated"
    wait_for "$TMP/m-xinqu/elder/zwgk/zcwj/shengzfwj/$id.html" "里程碑测试" || fail "no 长辈版 page"
    echo "    publish -> both mirrors: $(echo "$(date +%s.%N) - $t0" | bc) s (not a benchmark)"
    grep -E "module=(render|push)" "$TMP/serve.log" | tail -8 | sed "s/^/    /"
    grep -qF 'href="https://www.yunling.gov.cn/zwgk/zcwj/szfwj/'"$id"'.html"' \
        "$TMP/m-xinqu/zwgk/zcwj/shengzfwj/$id.html" || fail "no canonical link to the original"
    # every county rendered it, not only those with mirrors
    wait_for "$WWW/5601210001/zwgk/zcwj/shengzfwj/$id.html" "里程碑测试" ||
        fail "栖云县 lacks the page: $(ls "$WWW/5601210001/zwgk/zcwj/shengzfwj/"; grep -vE "level=info" "$TMP/serve.log" | tail -60)"

    # withdrawn: gone from the mirrors
    jy "${J[@]}" --as chen.jing item withdraw "$id" 5600000001:zwgk/zcwj/szfwj; expect_rc 0
    for _ in $(seq 600); do [ -f "$TMP/m-xinqu/zwgk/zcwj/shengzfwj/$id.html" ] || break; sleep 0.1; done
    [ ! -f "$TMP/m-xinqu/zwgk/zcwj/shengzfwj/$id.html" ] || fail "the withdrawn page stayed on the mirror"

    kill -TERM "$SERVE_PID"; wait "$SERVE_PID"; local rc=$?; SERVE_PID=
    [ $rc -eq 0 ] || fail "serve exited with $rc on SIGTERM: $(tail -5 "$TMP/serve.log")"
}

run_cases "$@"
