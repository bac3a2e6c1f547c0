#!/bin/bash
# Grants, rights, --as and the audit log, on the demo province.
. "$(dirname "$0")/lib.sh"

DATA=$(new_data)
"$JIYUE" --log-level warn --data "$DATA" demo >/dev/null || { echo "cannot load the demo"; exit 1; }
J=(--log-level warn --data "$DATA")

case_grant_explain_revoke() {
    jy "${J[@]}" grant add tang.lei reviewer 5601210001 --column zwgk --expires "30 days"
    expect_rc 0; expect_out "granted reviewer to tang.lei on 5601210001, column zwgk"
    local id; id=$(grep -o "grant [0-9]*" "$OUT" | awk '{print $2}')
    jy "${J[@]}" grant rights tang.lei --site 5601210001; expect_rc 0
    expect_out "item.review"; expect_out 'only column "zwgk" and its subcolumns'
    jy "${J[@]}" user rights tang.lei --site 5601210001; expect_rc 0; expect_out "item.review"
    jy "${J[@]}" grant list --user tang.lei; expect_rc 0; expect_out "reviewer"
    jy "${J[@]}" grant revoke "$id"; expect_rc 0
    jy "${J[@]}" grant rights tang.lei --site 5601210001; expect_no_out "item.review"
    jy "${J[@]}" grant revoke "$id"; expect_rc 1; expect_out "no grant $id"
}

case_inherited_rights_are_explained() {
    # he.min is site admin of 栖云县: the grant covers its units too
    jy "${J[@]}" grant rights he.min --site 5601210001; expect_rc 0
    expect_out "column.manage"; expect_out "this site and every site below it"
    jy "${J[@]}" grant rights he.min --site 5601000001; expect_rc 0; expect_out "holds no permission"
}

case_bad_grants_change_nothing() {
    jy "${J[@]}" grant add nobody.here editor 5601210001; expect_rc 1; expect_out 'no user with login "nobody.here"'
    jy "${J[@]}" grant add tang.lei chief 5601210001; expect_rc 1; expect_out 'no role "chief"'
    jy "${J[@]}" grant add tang.lei editor 9999999999; expect_rc 1; expect_out "9999999999"
    jy "${J[@]}" grant add tang.lei editor 5601210001 --column no/such; expect_rc 1
    expect_out 'has no column "no/such"'
    jy "${J[@]}" grant add tang.lei platform_admin 5601210001 --column zwgk; expect_rc 1
    expect_out "cannot be limited to a column"
    jy "${J[@]}" grant add tang.lei editor 5601210001 --expires 2001-01-01; expect_rc 1
    expect_out "not a time in the future"
    jy "${J[@]}" grant add he.min site_admin 5601210001; expect_rc 1; expect_out "already holds"
    jy "${J[@]}" grant add; expect_rc 2
    jy "${J[@]}" grant frob; expect_rc 2
    jy "${J[@]}" grant list --user tang.lei; expect_no_out "platform_admin"
}

case_as_user_is_bound_by_row_level_security() {
    # the county's site admin may grant editor on its county ...
    jy "${J[@]}" --as he.min grant add tang.lei editor 5601210001; expect_rc 0
    # ... but nothing on another county, and not the platform admin's role
    jy "${J[@]}" --as he.min grant add tang.lei editor 5601220001; expect_rc 1
    jy "${J[@]}" --as he.min grant add tang.lei platform_admin 5601210001; expect_rc 1
    expect_out "holds permissions you do not hold"
    # an editor sees none of the audit log; the auditor does
    jy "${J[@]}" --as tang.lei audit; expect_rc 0; expect_out "no audit entries match"
    jy "${J[@]}" --as su.wen audit --object user_grant --limit 5; expect_rc 0
    expect_out "he.min"; expect_out "insert"
    jy "${J[@]}" --as no.such.user audit; expect_rc 1; expect_out "no such user"
}

case_audit_filters() {
    jy "${J[@]}" audit --site 5601210001 --limit 3; expect_rc 0; expect_out "栖云县人民政府"
    jy "${J[@]}" audit --object site --action insert --limit 1 --json; expect_rc 0
    expect_out '"action":"insert"'
    jy "${J[@]}" audit --since not-a-date; expect_rc 1; expect_out "--since and --until take a date"
    jy "${J[@]}" audit --limit 0; expect_rc 2
    jy "${J[@]}" audit --until 2000-01-01; expect_rc 0; expect_out "no audit entries match"
}

case_site_admin_manages_accounts_of_its_sites() {
    export JIYUE_PASSWORD_COST=test
    jy "${J[@]}" --as he.min user add qy.clerk --name 栖云县办事员 --site 5601210001; expect_rc 0
    jy "${J[@]}" --as he.min user add ly.clerk --name 落霞县办事员 --site 5601220001; expect_rc 1
    expect_out "may not create users managed by site"
    jy "${J[@]}" --as he.min user disable qy.clerk; expect_rc 0
    jy "${J[@]}" --as he.min user disable liu.yang; expect_rc 1
    jy "${J[@]}" user list; expect_rc 0; expect_out "qy.clerk"
    jy "${J[@]}" --as he.min user list; expect_rc 1; expect_out "runs as the system"
    jy "${J[@]}" audit --action user.create --limit 1; expect_rc 0; expect_out "he.min"
}

run_cases "$@"
