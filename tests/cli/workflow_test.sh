#!/bin/bash
# The editorial workflow from the command line, on the demo province: a
# review chain set with "review chain", submit / approve / reject /
# publish / withdraw with --as, the review queue, schedules refused in the
# past, a county item sent to the province and adopted there, and a
# scheduled publication that fires after the scheduler was stopped and
# started again (the due time passed while it was down).
. "$(dirname "$0")/lib.sh"

DATA=$(new_data)
"$JIYUE" --log-level warn --data "$DATA" demo >/dev/null || { echo "cannot load the demo"; exit 1; }
J=(--log-level warn --data "$DATA")
PROV=5600000001:zwgk/zwdt/yw      # 云岭要闻
COUNTY=5601210001:zwgk/zwdt/xzdt  # 栖云县 县政动态

created_id() { grep -o "created item [0-9]*" "$OUT" | awk '{print $3}'; }
state_of() { "$JIYUE" "${J[@]}" db exec "SELECT state FROM placement WHERE item_id = $1 AND column_id = (SELECT c.id FROM site_column c JOIN site s ON s.id = c.site_id WHERE s.code || ':' || c.path = '$2')"; }
# wait until FILE has a line containing TEXT (the process writes it), at most ~30 s
wait_for() {
    local i
    for i in $(seq 300); do
        grep -qF -- "$2" "$1" && return 0
        sleep 0.1
    done
    echo "    \"$2\" never appeared in $1:"; sed 's/^/    | /' "$1"; return 1
}

case_chain_reject_resubmit_publish() {
    jy "${J[@]}" review chain 5600000001 --step 初审:role=reviewer --step 终审:users=chen.jing,admin:all
    expect_rc 0; expect_out '"name": "终审", "users": ["chen.jing", "admin"]'
    jy "${J[@]}" review chain "$PROV"; expect_rc 0; expect_out "(from site)"
    jy "${J[@]}" --as liu.yang item add --site 5600000001 --kind article --title "待审稿件" --place "$PROV"
    expect_rc 0; local id; id=$(created_id)
    # the editor may not publish, and the chain holds even for those who may
    jy "${J[@]}" --as liu.yang item publish "$id" "$PROV"; expect_rc 1; expect_out "that needs item.publish"
    jy "${J[@]}" --as admin item publish "$id" "$PROV"; expect_rc 1; expect_out "review chain of 2 steps"
    jy "${J[@]}" --as admin item place "$id" "$PROV" --state published; expect_rc 1
    expect_out "must be approved before it is published"
    jy "${J[@]}" --as liu.yang item submit "$id" "$PROV" --comment 请审核; expect_rc 0
    expect_out 'waiting for step 1/2 "初审"'
    jy "${J[@]}" --as liu.yang item approve "$id" "$PROV"; expect_rc 1; expect_out "you may not approve"
    jy "${J[@]}" --as chen.jing review queue; expect_rc 0; expect_out "step 1/2 初审  待审稿件"
    jy "${J[@]}" --as chen.jing item approve "$id" "$PROV"; expect_rc 0; expect_out 'waiting for step 2/2 "终审"'
    jy "${J[@]}" --as chen.jing item approve "$id" "$PROV"; expect_rc 0; expect_out "waits for 1 more approval"
    jy "${J[@]}" --as chen.jing item approve "$id" "$PROV"; expect_rc 1; expect_out "already"
    jy "${J[@]}" --as admin item reject "$id" "$PROV"; expect_rc 2; expect_out "needs --reason"
    jy "${J[@]}" --as admin item reject "$id" "$PROV" --reason "标题有误"; expect_rc 0
    expect_out "submitted -> draft"
    jy "${J[@]}" --as liu.yang review queue; expect_out "returned: 标题有误"
    # resubmission starts over
    jy "${J[@]}" --as liu.yang item submit "$id" "$PROV"; expect_rc 0; expect_out 'step 1/2 "初审"'
    jy "${J[@]}" --as chen.jing item approve "$id" "$PROV"; expect_rc 0
    jy "${J[@]}" --as chen.jing item approve "$id" "$PROV"; expect_rc 0
    jy "${J[@]}" --as admin item approve "$id" "$PROV"; expect_rc 0; expect_out "submitted -> approved"
    jy "${J[@]}" --as chen.jing item publish "$id" "$PROV"; expect_rc 0; expect_out "approved -> published"
    jy "${J[@]}" --as chen.jing item withdraw "$id" "$PROV" --comment 过期; expect_rc 0
    jy "${J[@]}" --as chen.jing item withdraw "$id" "$PROV"; expect_rc 1; expect_out "it is withdrawn, not published"
    jy "${J[@]}" --as liu.yang item history "$id"; expect_rc 0
    expect_out 'reject    submitted -> draft  by admin  [round 1, step 2 终审]  "标题有误"'
    expect_out "publish   approved -> published  by chen.jing"
    # a county administrator cannot touch the province's placement
    jy "${J[@]}" --as he.min item submit "$id" "$PROV"; expect_rc 1
    jy "${J[@]}" review chain 5600000001 --inherit; expect_rc 0; expect_out "(from none)"
}

case_bad_input() {
    jy "${J[@]}" review chain 5600000001 --step 初审; expect_rc 2; expect_out "expected NAME:role=ROLE"
    jy "${J[@]}" review chain 5600000001 --step 初审:role=reviewer --distinct; expect_rc 2
    expect_out "--distinct goes with two --step or more"
    jy "${J[@]}" review chain 5600000001 --step x:role=editor; expect_rc 1; expect_out 'role "editor" does not exist or may not review'
    jy "${J[@]}" review chain 5600000001 --json '{"steps": 1}'; expect_rc 1; expect_out "is not {\"steps\": [...]}"
    jy "${J[@]}" --as he.min review chain 5600000001 --none; expect_rc 1; expect_out "you may not change the review chain"
    jy "${J[@]}" item add --site 5601210001 --kind article --title "县里的稿件" --place "$COUNTY"
    local id; id=$(created_id)
    jy "${J[@]}" --as he.min item schedule "$id" "$COUNTY" --publish-at "2020-01-01 08:00"; expect_rc 1
    expect_out "publication time 2020-01-01 08:00 is not in the future"
    jy "${J[@]}" --as he.min item schedule "$id" "$COUNTY" --publish-at "2099-01-02" --withdraw-at "2099-01-01"
    expect_rc 1; expect_out "is not after publication time"
    jy "${J[@]}" --as he.min item schedule "$id" "$COUNTY" --publish-at soon; expect_rc 1; expect_out 'is not a time'
    jy "${J[@]}" --as tang.lei item approve "$id" "$COUNTY"; expect_rc 1
    jy "${J[@]}" item frobnicate; expect_rc 2
    jy "${J[@]}" scheduler --bogus; expect_rc 2
    jy "${J[@]}" --as he.min scheduler --once; expect_rc 2; expect_out "acts as the system"
    [ "$(state_of "$id" "$COUNTY")" = draft ] || fail "state changed"
    jy "${J[@]}" review --help; expect_rc 0; expect_out "usage: jiyue review queue"
    jy "${J[@]}" submission --help; expect_rc 0; expect_out "usage: jiyue submission send"
    jy "${J[@]}" scheduler --help; expect_rc 0; expect_out "usage: jiyue scheduler"
}

case_county_submission_adopted_by_province() {
    jy "${J[@]}" --as he.min item add --site 5601210001 --kind article --title "县里的好经验"
    expect_rc 0; local id; id=$(created_id)
    jy "${J[@]}" --as he.min submission send "$id" 5601220001:zwgk/zwdt/xzdt; expect_rc 1
    expect_out "a site above their own"
    jy "${J[@]}" --as he.min submission send "$id" "$PROV" --comment 供省网采用; expect_rc 0
    local sub; sub=$(grep -o "as submission [0-9]*" "$OUT" | awk '{print $3}')
    jy "${J[@]}" --as he.min submission send "$id" "$PROV"; expect_rc 1; expect_out "already"
    jy "${J[@]}" --as chen.jing submission list 5600000001 --state pending; expect_rc 0
    expect_out "pending   5601210001 -> $PROV"; expect_out "by he.min  县里的好经验"
    jy "${J[@]}" --as he.min submission adopt "$sub"; expect_rc 1; expect_out "that needs item.review"
    jy "${J[@]}" --as chen.jing submission adopt "$sub"; expect_rc 0; expect_out "submitted for review there"
    jy "${J[@]}" --as chen.jing submission adopt "$sub"; expect_rc 1; expect_out "adopted already"
    # one item, now in a column of the province too, through its review
    [ "$(state_of "$id" "$PROV")" = submitted ] || fail "no submitted placement on the province"
    jy "${J[@]}" --as chen.jing item approve "$id" "$PROV"; expect_rc 0
    jy "${J[@]}" --as chen.jing item publish "$id" "$PROV"; expect_rc 0
    jy "${J[@]}" item list "$PROV"; expect_out "县里的好经验"
    jy "${J[@]}" --as he.min item add --site 5601210001 --kind article --title "县里的通知"
    local other; other=$(created_id)
    jy "${J[@]}" --as he.min submission send "$other" "$PROV"; expect_rc 0
    local sub2; sub2=$(grep -o "as submission [0-9]*" "$OUT" | awk '{print $3}')
    jy "${J[@]}" --as chen.jing submission decline "$sub2"; expect_rc 2; expect_out "needs --reason"
    jy "${J[@]}" --as chen.jing submission decline "$sub2" --reason 不适合省网; expect_rc 0
    jy "${J[@]}" --as he.min submission list 5601210001 --sent; expect_rc 0; expect_out '"不适合省网"'
    jy "${J[@]}" --as chen.jing submission stats 5600000001; expect_rc 0
    expect_out "5601210001           2       1        1       0    50%  栖云县人民政府"
    jy "${J[@]}" --as chen.jing submission stats 5600000001 --by week; expect_rc 1
}

case_scheduled_publication_fires_after_restart() {
    jy "${J[@]}" item add --site 5601210001 --kind article --title "定时发布的稿件" --place "$COUNTY"
    expect_rc 0; local id; id=$(created_id)
    local when; when=$(TZ=Asia/Shanghai date -d '+30 min' '+%Y-%m-%d %H:%M')
    jy "${J[@]}" --as he.min item schedule "$id" "$COUNTY" --publish-at "$when"; expect_rc 0
    expect_out "publish at $when"
    # the scheduler runs: nothing is due yet
    local log=$TMP/scheduler.log
    "$JIYUE" "${J[@]}" scheduler >"$log" 2>&1 &
    SCHED_PID=$!
    local pid=$SCHED_PID
    # a failing check leaves the case early: never leave a scheduler behind
    trap 'kill -TERM $SCHED_PID 2>/dev/null || true' EXIT
    wait_for "$log" "first pass: published 0"
    [ "$(state_of "$id" "$COUNTY")" = draft ] || fail "published too early"
    kill -TERM "$pid"; local rc=0; wait "$pid" || rc=$?
    [ "$rc" -eq 0 ] || fail "scheduler exited with $rc"
    grep -qF "scheduler stopped (SIGTERM)" "$log" || fail "no clean stop"
    # while it is down, the due time passes
    "$JIYUE" "${J[@]}" db exec "UPDATE placement SET publish_at = now() - interval '10 minutes' WHERE item_id = $id" >/dev/null
    [ "$(state_of "$id" "$COUNTY")" = draft ] || fail "published without a scheduler"
    # started again, it fires the missed publication at once, and only once
    "$JIYUE" "${J[@]}" scheduler >"$log" 2>&1 &
    SCHED_PID=$!
    pid=$SCHED_PID
    wait_for "$log" "first pass: published 1"
    [ "$(state_of "$id" "$COUNTY")" = published ] || fail "not published"
    kill -TERM "$pid"; rc=0; wait "$pid" || rc=$?
    [ "$rc" -eq 0 ] || fail "scheduler exited with $rc"
    jy "${J[@]}" scheduler --once; expect_rc 0; expect_out "scheduler: published 0"
    jy "${J[@]}" item history "$id"; expect_out "scheduled publication (set by he.min)"
}

run_cases "$@"
