#!/bin/bash
# `jiyue user`: users, passwords, API tokens and logins as an operator meets
# them, on a cluster of its own. Hashes use password_cost=test (cheap).
. "$(dirname "$0")/lib.sh"

DATA=$(new_data)
"$JIYUE" --log-level warn db start --data "$DATA" >/dev/null || { echo "cannot start cluster"; exit 1; }
"$JIYUE" --log-level warn --data "$DATA" migrate >/dev/null || { echo "cannot migrate"; exit 1; }
export JIYUE_PG_DATA=$DATA JIYUE_PASSWORD_COST=test JIYUE_LOG_LEVEL=warn

PW='Bamboo-River-7'

# feed SECRET on stdin to jiyue ARGS; output in $OUT, status in $RC
jy_in() {
    local secret=$1; shift
    RC=0
    printf '%s\n' "$secret" | "$JIYUE" "$@" >"$OUT" 2>&1 || RC=$?
}

# psql-like: one SQL statement, tab-separated rows in $OUT
q() { jy db exec "$1"; expect_rc 0; }
expect_line() { grep -qxF -- "$1" "$OUT" || fail "no line that is exactly: $1"; }

case_help_and_usage_errors() {
    jy --help; expect_rc 0; expect_out "user "
    jy user --help; expect_rc 0; expect_out "usage: jiyue user add LOGIN --name NAME"
    jy user; expect_rc 2; expect_out "missing action"
    jy user frob; expect_rc 2; expect_out 'unrecognized action "frob"'
    jy user add someone --name X --frob; expect_rc 2; expect_out 'unrecognized option "--frob"'
    jy user add someone; expect_rc 2; expect_out "needs --name NAME"
    jy user add --name X; expect_rc 2; expect_out "needs the login name"
    jy user add a b --name X; expect_rc 2; expect_out 'unexpected argument "b"'
    jy user add someone --name; expect_rc 2; expect_out 'option "--name" needs a value'
    jy user disable; expect_rc 2
    jy user list extra; expect_rc 2
    jy user token; expect_rc 2; expect_out "missing token action"
    jy user token create someone; expect_rc 2; expect_out "needs --name NAME"
    jy user token create someone --name x --expires soon; expect_rc 2; expect_out "--expires takes a number of days"
    jy user token revoke someone; expect_rc 2; expect_out "the login name and the token prefix"
    jy user login; expect_rc 2
    jy --as zhangsan user list; expect_rc 1; expect_out "--as is not supported"
    jy --set password_cost=cheap user list; expect_rc 1
    expect_out 'setting "password_cost" must be interactive or test, not "cheap"'
}

case_add_with_password_and_login() {
    jy_in "$PW" user add zhangsan --name 张三 --org 县政府办公室 --phone 13812345678 \
        --email zhangsan@example.gov.cn --password-stdin
    expect_rc 0; expect_out 'user "zhangsan" created (id '
    jy_in "$PW" user login zhangsan; expect_rc 0; expect_out "session "; expect_out "(Asia/Shanghai)"
    grep -qE '^[A-Za-z0-9_-]{43}$' "$OUT" || fail "no session token on a line of its own"
    jy user list; expect_rc 0; expect_out "zhangsan"; expect_out "active"; expect_out "张三 (县政府办公室)"
    q "SELECT count(*) FROM user_session s JOIN app_user u ON u.id = s.user_id WHERE u.login = 'zhangsan'"
    expect_line "1"
}

case_weak_password_is_refused_with_the_rule() {
    jy_in "short1A" user add lisi --name 李四 --password-stdin; expect_rc 1
    expect_out "password is too short: 7 characters, at least 10"; expect_out "hint:"
    jy_in "Lisi-2024-ok" user add lisi --name 李四 --password-stdin; expect_rc 1
    expect_out 'password must not contain the login name "lisi"'
    jy_in "Woaini1314!!" user add lisi --name 李四 --password-stdin; expect_rc 1
    expect_out "password is too common"
    jy_in "alllowercaseletters" user add lisi --name 李四 --password-stdin; expect_rc 1
    expect_out "password mixes too few kinds of characters"
    expect_no_out "alllowercaseletters"
    q "SELECT count(*) FROM app_user WHERE login = 'lisi'"; expect_line "0"
    RC=0; "$JIYUE" user add lisi --name 李四 --password-stdin </dev/null >"$OUT" 2>&1 || RC=$?
    expect_rc 1; expect_out "no password on standard input"
}

case_user_without_password_then_passwd() {
    jy user add wangwu --name 王五; expect_rc 0; expect_out 'no password yet'
    jy_in "$PW" user login wangwu; expect_rc 1; expect_out "invalid login name or password"
    jy_in "123" user passwd wangwu; expect_rc 1; expect_out "password is too short"
    jy_in "$PW" user passwd wangwu; expect_rc 0; expect_out 'password of "wangwu" changed'
    jy_in "$PW" user login wangwu; expect_rc 0
    jy_in "$PW" user passwd nobody-here; expect_rc 1; expect_out 'user "nobody-here" does not exist'
}

case_wrong_and_unknown_logins_answer_alike() {
    jy_in "$PW" user add zhaoliu --name 赵六 --password-stdin; expect_rc 0
    jy_in "Wrong-Pass-99" user login zhaoliu; expect_rc 1; expect_out "jiyue: invalid login name or password"
    local a; a=$(grep jiyue: "$OUT")
    jy_in "Wrong-Pass-99" user login no-such-person; expect_rc 1
    [ "$(grep jiyue: "$OUT")" = "$a" ] || fail "unknown login answered differently"
}

case_throttled_after_five_failures() {
    jy_in "$PW" user add sunqi --name 孙七 --password-stdin; expect_rc 0
    local i
    for i in 1 2 3 4 5; do jy_in "Wrong-Pass-99" user login sunqi; expect_rc 1; done
    jy_in "$PW" user login sunqi; expect_rc 1
    expect_out 'too many failed logins for "sunqi": try again after '; expect_out "(Asia/Shanghai)"
}

case_disable_ends_sessions_and_tokens() {
    jy_in "$PW" user add zhouba --name 周八 --password-stdin; expect_rc 0
    jy_in "$PW" user login zhouba; expect_rc 0
    jy user token create zhouba --name sync; expect_rc 0
    jy user disable zhouba; expect_rc 0; expect_out 'user "zhouba" disabled; its sessions and API tokens have ended'
    q "SELECT count(*) FILTER (WHERE revoked_at IS NULL) FROM user_session s JOIN app_user u ON u.id = s.user_id WHERE u.login = 'zhouba'"
    expect_line "0"
    jy_in "$PW" user login zhouba; expect_rc 1; expect_out 'user "zhouba" is disabled'
    jy user disable zhouba; expect_rc 0; expect_out "was disabled already"
    jy user list; expect_out "disabled"
    jy user enable zhouba; expect_rc 0; expect_out "enabled"
    jy_in "$PW" user login zhouba; expect_rc 0
    jy user disable nobody-here; expect_rc 1; expect_out 'user "nobody-here" does not exist'
}

case_token_create_list_revoke() {
    jy user add wujiu --name 吴九; expect_rc 0
    RC=0; "$JIYUE" user token create wujiu --name "nightly import" --expires 30 >"$TMP/tok" 2>"$OUT" || RC=$?
    expect_rc 0; expect_out "shown only this once"
    local token prefix; token=$(cat "$TMP/tok"); prefix=${token:0:11}
    [[ $token =~ ^jy_[A-Za-z0-9_-]{43}$ ]] || fail "stdout is not just the token: $token"
    jy user token list wujiu; expect_rc 0; expect_out "$prefix"; expect_out "valid"; expect_out "nightly import"
    expect_no_out "$token"
    q "SELECT count(*) FROM api_token WHERE token_hash = '$token'"; expect_line "0"
    jy user token revoke wujiu jy_nonexist; expect_rc 1; expect_out "has no token"
    jy user token revoke wujiu "$prefix"; expect_rc 0; expect_out "token $prefix of \"wujiu\" revoked"
    jy user token list wujiu; expect_rc 0; expect_out "revoked"
    jy user token revoke wujiu "$prefix"; expect_rc 1
    jy user token create wujiu --name "x" --expires 99999; expect_rc 2
    jy user token list nobody-here; expect_rc 1; expect_out "does not exist"
}

case_audit_rows_without_secrets() {
    jy_in "$PW" user add zhengshi --name 郑十 --password-stdin; expect_rc 0
    jy_in "$PW" user login zhengshi; expect_rc 0
    local session; session=$(grep -E '^[A-Za-z0-9_-]{43}$' "$OUT")
    jy user token create zhengshi --name ci; expect_rc 0
    local token; token=$(grep -E '^jy_' "$OUT")
    jy user disable zhengshi; expect_rc 0
    q "SELECT string_agg(DISTINCT action, ',' ORDER BY action) FROM audit_log WHERE action LIKE '%.%'"
    expect_out "session.login"; expect_out "token.create"; expect_out "user.create"; expect_out "user.disable"
    q "SELECT concat(before::text, after::text) FROM audit_log"
    expect_no_out '$argon2'; expect_no_out "$PW"; expect_no_out "$session"; expect_no_out "$token"
    expect_no_out "password_hash"; expect_no_out "token_hash"
}

run_cases "$@"
