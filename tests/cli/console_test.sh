#!/bin/bash
# The admin console in a real browser: loads the demo into a fresh data
# folder, gives the demo's platform admin (admin), editor (liu.yang) and
# reviewer (chen.jing) a password with `jiyue user passwd`, starts `jiyue
# serve` on a free loopback port and runs tests/browser/console.mjs
# (playwright-core driving Debian's chromium headless, axe-core on the main
# pages). Its lines are this test's: "ok - ..." per journey step and the
# closing "cases: N passed, M failed". Screenshots stay in a folder printed
# at the end (outside the temporary folder, which is removed).
. "$(dirname "$0")/lib.sh"
SRC=${JY_SOURCE_DIR:?JY_SOURCE_DIR must name the source tree}

if [ ! -x /usr/bin/chromium ]; then
    echo "console_test: /usr/bin/chromium is missing (tools/install-deps.sh installs it)"
    exit 1
fi
"$SRC/tools/npm-deps.sh" || exit 1

DATA=$(new_data)
SHOTS=$(mktemp -d "${TMPDIR:-/tmp}/jyconsole-shots.XXXXXX")
PASSWORD='Ling-Console-Test-2026'
J=(--log-level warn --data "$DATA" --set "output_dir=$TMP/www" --set listen=127.0.0.1:0
   --set password_cost=test)
"$JIYUE" "${J[@]}" demo >"$OUT" 2>&1 || { echo "cannot load the demo:"; cat "$OUT"; exit 1; }
for u in admin liu.yang chen.jing; do
    printf '%s\n' "$PASSWORD" | "$JIYUE" "${J[@]}" user passwd "$u" >"$OUT" 2>&1 ||
        { echo "cannot set the password of $u:"; cat "$OUT"; exit 1; }
done
# a county editor of 栖云县 who submits upwards (信息报送), and one of 落霞县 who must not see
# the first one's uploads
for u in wu.fang:吴芳:5601210001 zheng.hui:郑辉:5601220001; do
    IFS=: read -r login name site <<<"$u"
    printf '%s\n' "$PASSWORD" | "$JIYUE" "${J[@]}" user add "$login" --name "$name" --site "$site" \
        --password-stdin >"$OUT" 2>&1 && "$JIYUE" "${J[@]}" grant add "$login" editor "$site" >"$OUT" 2>&1 ||
        { echo "cannot add the county editor $login:"; cat "$OUT"; exit 1; }
done
# a folder mirror of the province: 信息去向 shows it holding the published page
"$JIYUE" "${J[@]}" mirror add 5600000001 prov --kind folder --url "$TMP/m-prov" >"$OUT" 2>&1 ||
    { echo "cannot add the mirror:"; cat "$OUT"; exit 1; }
"$JIYUE" "${J[@]}" serve --routes >"$TMP/routes"

SERVE_PID=
stop_serve() { [ -n "$SERVE_PID" ] && kill "$SERVE_PID" 2>/dev/null && wait "$SERVE_PID" 2>/dev/null; SERVE_PID=; }
trap 'stop_serve; cleanup' EXIT
${JY_SERVE_WRAP:-} "$JIYUE" "${J[@]}" serve --ready-file "$TMP/ready" >"$TMP/serve.log" 2>&1 &
SERVE_PID=$!
for _ in $(seq 300); do [ -s "$TMP/ready" ] && break; sleep 0.1; done
if [ ! -s "$TMP/ready" ]; then
    echo "serve did not start:"; cat "$TMP/serve.log"; exit 1
fi
PORT=$(cat "$TMP/ready")

rc=0
JY_BASE="http://127.0.0.1:$PORT" JY_OUT="$SHOTS" JY_PASSWORD="$PASSWORD" JY_ROUTES="$TMP/routes" \
    node "$SRC/tests/browser/console.mjs" >"$TMP/browser.out" 2>&1 || rc=$?
cat "$TMP/browser.out"
# a crash before the closing line still ends with one
grep -q '^cases: ' "$TMP/browser.out" || echo "cases: 0 passed, 1 failed"
if [ $rc -ne 0 ]; then
    echo "    --- server log (last 40 lines):"
    tail -40 "$TMP/serve.log" | sed 's/^/    | /'
fi
exit $rc
