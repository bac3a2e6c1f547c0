#!/usr/bin/env python3
"""hugo_site.py - turn a benchmark corpus (../shared/bench/make_corpus.py)
into a Hugo site equivalent to what `jiyue render` builds from it, for
tools/bench/bench_render.c.

    python3 tools/bench/hugo_site.py CORPUS_DIR SITE_DIR

SITE_DIR gets hugo.toml and layouts/ (copied from tools/bench/hugo/) and
content/: one top section per site (its home page and its sitemap.xml),
one nested section per column (list columns: the pages of their list and
an RSS feed; page columns: their body; link columns: a nav entry only) and
one content file per article in its primary column. Lists follow the
corpus README ("Meaning for rendering"): an article is listed in the
columns it is placed in and their ancestors, which the converter writes
into the article's `columns` taxonomy; a shared column lists its source
column's term. Bodies are HTML files, so Hugo runs no Markdown on them, as
our renderer runs none.
"""
import json
import os
import shutil
import sys


def front(meta, body=""):
    # JSON front matter: the fastest kind for Hugo to read, and exact
    return json.dumps(meta, ensure_ascii=False, separators=(",", ":")) + "\n" + body


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: hugo_site.py CORPUS_DIR SITE_DIR")
    corpus, out = sys.argv[1], sys.argv[2]
    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "hugo")
    os.makedirs(out, exist_ok=True)
    shutil.copy(os.path.join(here, "hugo.toml"), os.path.join(out, "hugo.toml"))
    shutil.rmtree(os.path.join(out, "layouts"), ignore_errors=True)
    shutil.copytree(os.path.join(here, "layouts"), os.path.join(out, "layouts"))
    content = os.path.join(out, "content")
    shutil.rmtree(content, ignore_errors=True)

    sites = {}
    with open(os.path.join(corpus, "sites.jsonl"), encoding="utf-8") as f:
        for line in f:
            s = json.loads(line)
            sites[s["id"]] = s
    cols = {}
    with open(os.path.join(corpus, "columns.jsonl"), encoding="utf-8") as f:
        for line in f:
            c = json.loads(line)
            cols[c["id"]] = c
    for c in cols.values():  # ids ascend, parents come first
        p = cols.get(c["parent_id"])
        c["path"] = (p["path"] + "/" if p else "") + c["code"]
        c["up"] = ([c["id"]] + p["up"]) if p else [c["id"]]

    for s in sites.values():
        top = sorted((c for c in cols.values() if c["site_id"] == s["id"] and
                      c["parent_id"] is None and c["type"] == "list"),
                     key=lambda c: (c["sort"], c["id"]))
        meta = {"title": s["name"], "type": "site", "weight": s["id"], "code": s["site_code"],
                "domain": s["domain"], "icp": s["icp"], "outputs": ["html", "sitemapx"],
                "top": [{"id": c["shared_from"] or c["id"], "name": c["name"], "path": c["path"]}
                        for c in top]}
        write(os.path.join(content, s["site_code"], "_index.html"), front(meta))

    for c in cols.values():
        meta = {"title": c["name"], "weight": c["sort"], "kind": c["type"]}
        if c["type"] == "list":
            meta["list"] = c["shared_from"] or c["id"]
            meta["outputs"] = ["html", "rss"]
        elif c["type"] == "link":
            meta["link"] = c["url"]
            meta["_build"] = {"render": "never"}
        code = sites[c["site_id"]]["site_code"]
        write(os.path.join(content, code, c["path"], "_index.html"), front(meta, c["body"] or ""))

    # the lists are the terms of the `columns` taxonomy; its own pages are not wanted
    write(os.path.join(content, "columns", "_index.html"),
          front({"title": "columns", "cascade": {"_build": {"render": "never", "list": "never"}},
                 "_build": {"render": "never", "list": "never"}}))

    n = 0
    with open(os.path.join(corpus, "articles.jsonl"), encoding="utf-8") as f:
        for line in f:
            a = json.loads(line)
            listed = []
            for cid in a["column_ids"]:
                for up in cols[cid]["up"]:
                    if str(up) not in listed:
                        listed.append(str(up))
            meta = {"title": a["title"], "date": a["pub_date"], "desc": a["summary"],
                    "author": a["author"], "source": a["source"], "tags": a["tags"],
                    "columns": listed, "doc_no": a["doc_no"], "validity": a["validity"],
                    "attachments": a["attachments"]}
            primary = cols[a["column_ids"][0]]
            code = sites[primary["site_id"]]["site_code"]
            write(os.path.join(content, code, primary["path"], "%d.html" % a["id"]),
                  front(meta, a["body"]))
            n += 1
    print("hugo site: %d sites, %d columns, %d articles in %s" % (len(sites), len(cols), n, out))


if __name__ == "__main__":
    main()
