#!/usr/bin/env python3
"""linkserver.py - the web server the link check is tested against.

    python3 linkserver.py DIR

Listens on 127.0.0.1 on a free port, writes the port to DIR/port and its
pid to DIR/pid, and appends "METHOD PATH" for every request to DIR/log.

    /ok         200
    /missing    404
    /redirect   301 to /ok
    /loop       302 to itself (too many redirects)
    /nohead     405 to HEAD, 200 to GET
    /slow       answers after 3 seconds (longer than the check's timeout)
"""
import http.server
import os
import sys
import threading
import time

DIR = sys.argv[1]
LOCK = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def record(self):
        with LOCK, open(os.path.join(DIR, "log"), "a") as f:
            f.write("%s %s\n" % (self.command, self.path))

    def answer(self, code, location=None, body=b"ok\n"):
        self.send_response(code)
        if location:
            self.send_header("Location", location)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def route(self):
        self.record()
        p = self.path
        if p == "/ok":
            self.answer(200)
        elif p == "/redirect":
            self.answer(301, "/ok")
        elif p == "/loop":
            self.answer(302, "/loop")
        elif p == "/nohead":
            self.answer(405 if self.command == "HEAD" else 200)
        elif p == "/slow":
            time.sleep(3)
            self.answer(200)
        else:
            self.answer(404)

    do_GET = route
    do_HEAD = route


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(os.path.join(DIR, "pid"), "w") as f:
    f.write(str(os.getpid()))
with open(os.path.join(DIR, "port.tmp"), "w") as f:
    f.write(str(server.server_address[1]))
os.rename(os.path.join(DIR, "port.tmp"), os.path.join(DIR, "port"))
server.serve_forever()
