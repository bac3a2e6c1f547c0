#!/usr/bin/env python3
"""hugo_check.py - check that the Hugo site of hugo_site.py lists what
`jiyue render` lists: for every list column of the corpus, the same number
of pages, and on every page the same articles in the same order.

    python3 tools/bench/hugo_check.py CORPUS_DIR OUR_OUTPUT_DIR HUGO_PUBLIC_DIR

OUR_OUTPUT_DIR is jiyue's output_dir (a link per site code); HUGO_PUBLIC_DIR
is what `hugo` wrote. Prints the differences and a summary; exit status 1
when any list differs. bench_render --keep leaves both in its work folder
(out/ and hugo-public/).
"""
import glob
import json
import os
import re
import sys

OUR_ITEM = re.compile(r'href="[^"]*/(\d+)\.html"')
HUGO_ITEM = re.compile(r'href="/\d+/(?:[a-z0-9]+/)*?(\d+)/"')


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: hugo_check.py CORPUS_DIR OUR_OUTPUT_DIR HUGO_PUBLIC_DIR")
    corpus, ours, hugo = sys.argv[1:]
    sites, cols = {}, {}
    with open(os.path.join(corpus, "sites.jsonl"), encoding="utf-8") as f:
        for line in f:
            s = json.loads(line)
            sites[s["id"]] = s
    with open(os.path.join(corpus, "columns.jsonl"), encoding="utf-8") as f:
        for line in f:
            c = json.loads(line)
            cols[c["id"]] = c
    for c in cols.values():
        p = cols.get(c["parent_id"])
        c["path"] = (p["path"] + "/" if p else "") + c["code"]

    lists = pages = bad = 0
    for c in cols.values():
        if c["type"] != "list":
            continue
        lists += 1
        code = sites[c["site_id"]]["site_code"]
        od = os.path.join(ours, code, c["path"])
        hd = os.path.join(hugo, code, c["path"])
        ofiles = glob.glob(od + "/index*.html")
        hcount = 1 + len([d for d in glob.glob(hd + "/page/*") if not d.endswith("/page/1")])
        if len(ofiles) != hcount:
            bad += 1
            print("%s/%s: %d pages in ours, %d in Hugo's" % (code, c["path"], len(ofiles), hcount))
            continue
        for f in ofiles:
            m = re.search(r"index_(\d+)\.html$", f)
            n = int(m.group(1)) if m else 1
            hf = hd + "/index.html" if n == 1 else "%s/page/%d/index.html" % (hd, n)
            with open(f, encoding="utf-8") as fo, open(hf, encoding="utf-8") as fh:
                oi = OUR_ITEM.findall(fo.read())
                hi = [m.group(1) for m in HUGO_ITEM.finditer(fh.read())
                      if "/page/" not in m.group(0)]
            pages += 1
            if oi != hi:
                bad += 1
                print("%s/%s page %d: ours lists %s, Hugo's %s" % (code, c["path"], n, oi, hi))
    print("%d list columns, %d list pages compared, %d differ" % (lists, pages, bad))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
