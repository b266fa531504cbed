#!/usr/bin/env python3
"""notify_rx.py DIR PORT CERT KEY SECRETFILE: a webhook receiver for
tests/e2e/notify.sh, over HTTPS with the suite's certificate.

Each POST is checked: X-Cairn-Signature must be sha256=HMAC-SHA256(body)
with the secret in SECRETFILE (read at each request: the test writes it
after hook add), X-Cairn-Delivery present, the body JSON.  It answers
  401 for a bad signature (logged "badsig"),
  500 while DIR/fail exists,
  200 otherwise, after sleeping DIR/slow's seconds if it exists.
It logs one line per request to DIR/log: "STATUS DELIVERY KIND" (kind
from the body, or "text" for Slack's), and drops a duplicate by its
delivery id: an id seen before with a 200 is logged "dup" and answered
200 without being kept again; DIR/kept has one line per message kept
("DELIVERY KIND SUMMARY").  It records an id as kept when the request
arrives (before sleeping), as a receiver that commits before answering
does, so that a sender that dies before reading the answer sends it
again and the copy is dropped.
"""
import hashlib
import hmac
import http.server
import json
import os
import ssl
import sys
import threading
import time

DIR, PORT, CERT, KEY, SECRETFILE = sys.argv[1:6]
lock = threading.Lock()
seen = set()


def log(line):
    with lock, open(os.path.join(DIR, "log"), "a") as f:
        f.write(line + "\n")


class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def answer(self, code):
        self.send_response(code)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n) if 0 <= n <= 1 << 20 else b""
        delivery = self.headers.get("X-Cairn-Delivery", "-")
        try:
            with open(SECRETFILE, "rb") as f:
                secret = f.read().strip()
        except OSError:
            secret = b""
        want = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
        got = self.headers.get("X-Cairn-Signature", "")
        if not secret or not hmac.compare_digest(want, got):
            log("401 %s badsig" % delivery)
            return self.answer(401)
        try:
            doc = json.loads(body)
        except ValueError:
            log("400 %s notjson" % delivery)
            return self.answer(400)
        kind = doc.get("kind", "text" if "text" in doc else "?")
        if os.path.exists(os.path.join(DIR, "fail")):
            log("500 %s %s" % (delivery, kind))
            return self.answer(500)
        with lock:
            dup = delivery in seen
            seen.add(delivery)
        if dup:
            log("dup %s %s" % (delivery, kind))
            return self.answer(200)
        summary = doc.get("summary", doc.get("text", ""))
        with lock, open(os.path.join(DIR, "kept"), "a") as f:
            f.write("%s %s %s\n" % (delivery, kind, summary))
        log("200 %s %s" % (delivery, kind))
        slow = os.path.join(DIR, "slow")
        if os.path.exists(slow):
            try:
                time.sleep(float(open(slow).read().strip() or "0"))
            except (OSError, ValueError):
                pass
        self.answer(200)


ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(CERT, KEY)
srv = http.server.ThreadingHTTPServer(("127.0.0.1", int(PORT)), H)
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
open(os.path.join(DIR, "ready"), "w").close()
srv.serve_forever()
