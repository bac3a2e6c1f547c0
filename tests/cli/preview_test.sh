#!/bin/bash
# Draft preview (issue 8): any page of any site as it would be rendered with
# the unpublished changes the logged-in person may see, served by `jiyue
# serve` under /preview/<code>/ — and nothing stored or published changes.
. "$(dirname "$0")/lib.sh"

DATA=$(new_data)
WWW=$TMP/www
PASSWORD='Ling-Preview-Test-2026'
J=(--log-level warn --data "$DATA" --set "output_dir=$WWW" --set listen=127.0.0.1:0
   --set password_cost=test)
"$JIYUE" "${J[@]}" demo >"$OUT" 2>&1 || { echo "cannot load the demo:"; cat "$OUT"; exit 1; }
for u in liu.yang tang.lei; do
    printf '%s\n' "$PASSWORD" | "$JIYUE" "${J[@]}" user passwd "$u" >"$OUT" 2>&1 ||
        { echo "cannot set the password of $u:"; cat "$OUT"; exit 1; }
done
"$JIYUE" "${J[@]}" render --all >"$OUT" 2>&1 || { echo "cannot render:"; cat "$OUT"; exit 1; }
SERVE_PID=
stop_serve() { [ -n "$SERVE_PID" ] && kill "$SERVE_PID" 2>/dev/null && wait "$SERVE_PID" 2>/dev/null; SERVE_PID=; }
trap 'stop_serve; cleanup' EXIT
"$JIYUE" "${J[@]}" serve --ready-file "$TMP/ready" >"$TMP/serve.log" 2>&1 &
SERVE_PID=$!
for _ in $(seq 300); do [ -s "$TMP/ready" ] && break; sleep 0.1; done
[ -s "$TMP/ready" ] || { echo "serve did not start:"; cat "$TMP/serve.log"; exit 1; }
BASE="http://127.0.0.1:$(cat "$TMP/ready")"

# the province's editor writes a document into 省政府文件, reused by every county: a draft
TITLE="云岭省人民政府关于预览测试的通知"
echo "<p>预览正文</p>" >"$TMP/body.html"
"$JIYUE" "${J[@]}" --as liu.yang item add --site 5600000001 --kind policy --title "$TITLE" \
    --field doc_no=岭政发〔2026〕77号 --field issuer=云岭省人民政府 --field validity=有效 \
    --field written_on=2026-11-20 --field subject=综合政务 \
    --body "$TMP/body.html" --place 5600000001:zwgk/zcwj/szfwj >"$OUT" 2>&1 ||
    { echo "cannot write the draft:"; cat "$OUT"; exit 1; }
ID=$(grep -o "created item [0-9]*" "$OUT" | awk '{print $3}')
[ -n "$ID" ] || { echo "no item id:"; cat "$OUT"; exit 1; }

# py SCRIPT: run python with BASE, ID, TITLE, PASSWORD in its environment; its output in $OUT
py() {
    BASE=$BASE ID=$ID TITLE=$TITLE PASSWORD=$PASSWORD python3 -c "
import json, os, sys, urllib.request, urllib.error, http.cookiejar
base, iid, title, pw = os.environ['BASE'], os.environ['ID'], os.environ['TITLE'], os.environ['PASSWORD']
def session(login=None):
    o = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    if login:
        req = urllib.request.Request(base + '/api/v1/session', method='POST',
              data=json.dumps({'login': login, 'password': pw}).encode(),
              headers={'Content-Type': 'application/json'})
        assert o.open(req).status == 201
    return o
def get(o, path):
    try:
        r = o.open(base + path)
        return r.status, r.read().decode(), r.headers
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(), e.headers
$1
" >"$OUT" 2>&1
}

case_the_writer_sees_the_draft_on_the_province_and_the_counties() {
    py "
o = session('liu.yang')
st, page, h = get(o, '/preview/5600000001/zwgk/zcwj/szfwj/' + iid + '.html')
assert st == 200, (st, page[:300])
assert title in page and '预览正文' in page, page[:500]
assert '本页含尚未发布的内容' in page, 'no preview notice'
assert 'no-store' in h['Cache-Control'], h['Cache-Control']
st, page, h = get(o, '/zwgk/zcwj/szfwj/')
assert st == 200 and title in page, 'the list does not show the draft'
st, page, h = get(o, '/')
assert st == 200 and '本页含尚未发布的内容' in page
# a county that reuses the column: the draft in its URL space and chrome
st, page, h = get(o, '/preview/5601210001/zwgk/zcwj/shengzfwj/' + iid + '.html')
assert st == 200 and title in page, (st, page[:300])
assert '<meta name=\"SiteIDCode\" content=\"5601210001\">' in page
st, page, h = get(o, '/preview/5601210001/elder/zwgk/zcwj/shengzfwj/' + iid + '.html')
assert st == 200 and title in page, ('长辈版', st)
# assets still come from the live tree
css = [l for l in page.split('\"') if l.startswith('/assets/') and l.endswith('.css')]
assert css and get(o, css[0])[0] == 200, css
# leaving the preview: the published site, where the draft does not exist
st, page, h = get(o, '/sites/5600000001/zwgk/zcwj/szfwj/' + iid + '.html')
assert st == 404, st
st, page, h = get(o, '/zwgk/zcwj/szfwj/')
assert st == 200 and title not in page and '本页含尚未发布的内容' not in page
print('preview ok')
"
    expect_out "preview ok"
}

case_nobody_else_sees_the_draft() {
    py "
anon = session()
st, page, h = get(anon, '/preview/5600000001/zwgk/zcwj/szfwj/' + iid + '.html')
assert st == 401 and '登录' in page and title not in page, (st, page[:300])
# a county editor may preview, but sees only what he may read: not the province's draft
o = session('tang.lei')
st, page, h = get(o, '/preview/5600000001/zwgk/zcwj/szfwj/' + iid + '.html')
assert st == 404 and title not in page, (st, page[:300])
st, page, h = get(o, '/preview/5601210001/zwgk/zcwj/shengzfwj/')
assert st == 200 and title not in page and '本页含尚未发布的内容' in page
for bad in ('/../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd.html', '/nope.html'):
    st, page, h = get(o, bad)
    assert st == 404, (bad, st)
print('isolation ok')
"
    expect_out "isolation ok"
}

case_a_preview_changes_nothing() {
    py "
o = session('liu.yang')
for p in ('/preview/5600000001/zwgk/zcwj/szfwj/', '/preview/5600000001/zwgk/zcwj/szfwj/' + iid + '.html'):
    assert get(o, p)[0] == 200
print('previewed')
"
    expect_out "previewed"
    jy "${J[@]}" db exec "SELECT string_agg(state, ',') FROM placement WHERE item_id = $ID"
    expect_rc 0; expect_out "draft"; expect_no_out "published"
    [ ! -e "$WWW/5600000001/zwgk/zcwj/szfwj/$ID.html" ] || fail "the draft was written to the live tree"
    [ ! -e "$WWW/5601210001/zwgk/zcwj/shengzfwj/$ID.html" ] || fail "the draft was written to a county"
    ! grep -qF "$TITLE" "$WWW/5600000001/zwgk/zcwj/szfwj/index.html" || fail "the live list shows the draft"
}

run_cases "$@"
