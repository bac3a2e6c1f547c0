#!/bin/bash
# Uploads: `jiyue file add/show/rm/attach/detach` on the demo province, with
# files made here byte by byte (printf), in a file store of the test's own.
. "$(dirname "$0")/lib.sh"

DATA=$(new_data)
"$JIYUE" --log-level warn --data "$DATA" demo >/dev/null || { echo "cannot load the demo"; exit 1; }
FILES=$TMP/files
J=(--log-level warn --data "$DATA" --set "file_dir=$FILES")
SITE=5601210001

# a 5 x 7 GIF, a PNG header of 16 x 9, a small PDF
printf 'GIF89a\005\000\007\000\200\000\000\000\000\000\377\377\377,\000\000\000\000\005\000\007\000\000\002\002D\001\000;' >"$TMP/会议.gif"
printf '\211PNG\r\n\032\n\000\000\000\rIHDR\000\000\000\020\000\000\000\011\010\002\000\000\000\000\000\000\000' >"$TMP/photo.png"
printf '%%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< >>\n%%%%EOF\n' >"$TMP/通知.pdf"

case_add_show_dedup() {
    jy "${J[@]}" file add "$TMP/会议.gif" --site $SITE; expect_rc 0
    expect_out "stored file"; expect_out "image/gif (a GIF image, image)"
    expect_out "dimensions  5x7"; expect_out "name        会议.gif"
    local hash; hash=$(awk '/^hash/ {print $2}' "$OUT")
    [ ${#hash} -eq 64 ] || fail "no hash printed"
    [ -f "$FILES/${hash:0:2}/${hash:2:2}/$hash" ] || fail "not stored at <ab>/<cd>/<sha256>"
    [ "$(sha256sum <"$TMP/会议.gif" | cut -d' ' -f1)" = "$hash" ] || fail "hash is not the SHA-256"
    # the same bytes under another name: the same file
    cp "$TMP/会议.gif" "$TMP/copy.gif"
    jy "${J[@]}" file add "$TMP/copy.gif" --site $SITE; expect_rc 0; expect_out "already stored as file"
    jy "${J[@]}" file show "${hash:0:10}"; expect_rc 0; expect_out "$hash"; expect_out "used by     no item"
}

case_type_comes_from_the_bytes() {
    cp "$TMP/photo.png" "$TMP/报告.pdf"
    jy "${J[@]}" file add "$TMP/报告.pdf" --site $SITE; expect_rc 1
    expect_out '"报告.pdf" is a PNG image, not a PDF document'
    jy "${J[@]}" file add "$TMP/通知.pdf" --site $SITE; expect_rc 0; expect_out "application/pdf"
    jy "${J[@]}" file add "$TMP/photo.png" --site $SITE --name 照片.png; expect_rc 0
    expect_out "dimensions  16x9"; expect_out "name        照片.png"
    cp "$TMP/通知.pdf" "$TMP/tool.exe"
    jy "${J[@]}" file add "$TMP/tool.exe" --site $SITE; expect_rc 1
    expect_out 'files ending in ".exe" are not accepted'
}

case_size_limit() {
    { cat "$TMP/会议.gif"; head -c 1200000 /dev/zero; } >"$TMP/big.gif"
    jy "${J[@]}" --set file_max_image=1 file add "$TMP/big.gif" --site $SITE; expect_rc 1
    expect_out '"big.gif" is too large for an image (1.1 MiB, at most 1 MiB)'
    jy "${J[@]}" file add "$TMP/big.gif" --site $SITE; expect_rc 0
}

case_in_use_cannot_be_removed() {
    jy "${J[@]}" item add --site $SITE --kind article --title "附件测试"; expect_rc 0
    local item; item=$(grep -o '[0-9]\+' "$OUT" | head -1)
    jy "${J[@]}" file add "$TMP/通知.pdf" --site $SITE; expect_rc 0
    local hash; hash=$(awk '/^hash/ {print $2}' "$OUT")
    jy "${J[@]}" file attach "$hash" --item "$item" --caption "通知原文"; expect_rc 0
    jy "${J[@]}" file rm "$hash"; expect_rc 1; expect_out "is still used by 1 item"
    expect_out "附件测试"
    jy "${J[@]}" file detach "$hash" --item "$item"; expect_rc 0
    jy "${J[@]}" file rm "$hash"; expect_rc 0
    [ ! -e "$FILES/${hash:0:2}/${hash:2:2}/$hash" ] || fail "bytes left in the store"
    jy "${J[@]}" file show "$hash"; expect_rc 1; expect_out "no file"
}

case_rights_and_usage_errors() {
    # an editor of another county may not upload to this one
    jy "${J[@]}" --as tang.lei file add "$TMP/会议.gif" --site 5601220001; expect_rc 1
    expect_out "you may not upload files to site"
    jy "${J[@]}" file add "$TMP/会议.gif"; expect_rc 2; expect_out "needs --site SITE"
    jy "${J[@]}" file frob; expect_rc 2
    jy "${J[@]}" file show xyz; expect_rc 1; expect_out '"xyz" is not a file hash'
    jy "${J[@]}" file add "$TMP/none.pdf" --site $SITE; expect_rc 1; expect_out "could not open"
}

case_sweep() {
    # bytes an editor may not upload (another county) stay in the store until swept
    printf 'GIF89a\011\000\011\000' >"$TMP/拒绝.gif"
    local hash; hash=$(sha256sum <"$TMP/拒绝.gif" | cut -d' ' -f1)
    local path="$FILES/${hash:0:2}/${hash:2:2}/$hash"
    jy "${J[@]}" --as tang.lei file add "$TMP/拒绝.gif" --site 5601220001; expect_rc 1
    [ -f "$path" ] || fail "the refused upload left no bytes (the case tests nothing)"
    # young: the default grace keeps it
    jy "${J[@]}" file sweep; expect_rc 0; expect_out "would remove 0 files"; expect_out "kept 1 younger one"
    touch -d '2 hours ago' "$path"
    jy "${J[@]}" file sweep --grace 60; expect_rc 0
    expect_out "would remove $path"; expect_out "would remove 1 file (10 bytes)"; expect_out "dry run"
    [ -f "$path" ] || fail "the dry run removed the file"
    jy "${J[@]}" --as tang.lei file sweep --grace 60 --apply; expect_rc 1
    expect_out "the file sweep runs as the system"
    jy "${J[@]}" file sweep --grace 60 --apply; expect_rc 0; expect_out "removed $path"
    expect_out "removed 1 file (10 bytes)"
    [ ! -e "$path" ] || fail "the orphan is still there"
    # files that rows record stay
    [ "$(find "$FILES" -type f ! -path "$FILES/tmp/*" | wc -l)" -gt 0 ] || fail "the sweep removed recorded files"
    jy "${J[@]}" file sweep --grace 0; expect_rc 2; expect_out "--grace takes minutes"
    jy "${J[@]}" file sweep extra; expect_rc 2
}

run_cases "$@"
