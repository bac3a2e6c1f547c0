#!/bin/bash
# jiyue serve as an operator runs it: routes, usage errors, start, answer, stop.
. "$(dirname "$0")/lib.sh"

DATA=$(new_data)
"$JIYUE" --log-level warn --data "$DATA" demo >/dev/null || { echo "cannot load the demo"; exit 1; }
J=(--log-level info --data "$DATA")

case_routes_are_listed() {
    jy serve --routes; expect_rc 0
    expect_out "GET    /api/v1/items/{id}"; expect_out "POST   /api/v1/session"
}

case_usage_errors() {
    jy serve --bogus; expect_rc 2; expect_out 'unrecognized argument "--bogus"'
    jy --as admin serve; expect_rc 2; expect_out "--as makes no sense here"
    jy serve --help; expect_rc 0; expect_out "--ready-file FILE"
}

case_bad_listen_address() {
    jy "${J[@]}" --set listen=nonsense serve; expect_rc 1
    expect_out 'listen "nonsense" must be HOST:PORT'
    jy "${J[@]}" --set listen=127.0.0.1:notaport serve; expect_rc 1; expect_out 'listen "127.0.0.1:notaport"'
}

case_serves_then_stops_on_sigterm() {
    local pid port i=0
    "$JIYUE" "${J[@]}" --set listen=127.0.0.1:0 serve --ready-file "$TMP/port" >"$TMP/serve.log" 2>&1 &
    pid=$!
    while [ ! -s "$TMP/port" ]; do
        kill -0 "$pid" 2>/dev/null || { cat "$TMP/serve.log"; fail "jiyue serve died"; }
        i=$((i + 1)); [ $i -lt 3000 ] || fail "jiyue serve did not start"
        sleep 0.02
    done
    port=$(cat "$TMP/port")
    curl -s "http://127.0.0.1:$port/api/v1/health" >"$OUT"; expect_out '"database":"ok"'
    curl -s "http://127.0.0.1:$port/api/v1/items" >"$OUT"; expect_out '"code":"unauthenticated"'
    kill -TERM "$pid"
    RC=0; wait "$pid" || RC=$?
    cp "$TMP/serve.log" "$OUT"
    expect_rc 0; expect_out "listening on 127.0.0.1:0"; expect_out "module=access"
    expect_out "finishing requests in flight"; expect_out 'msg="stopped"'
}

run_cases "$@"
