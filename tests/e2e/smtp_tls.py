#!/usr/bin/env python3
"""smtp_tls.py PORT BACKEND_PORT CERT KEY [PLAINFLAG]: the STARTTLS half
of the test MTA, in front of OpenSMTPD (tests/e2e/notify.sh).

Debian 12's OpenSMTPD (6.8.0p2) cannot do TLS with OpenSSL 3: every
handshake fails with "EVP lib" (OpenSMTPD issues #1171, #1239).  So
OpenSMTPD listens in plain text on a loopback port, and this front does
what its listener would: it greets, answers EHLO offering only STARTTLS,
refuses anything else before TLS (530), takes STARTTLS with the suite's
certificate, and from then on relays the session to OpenSMTPD, which
receives, queues and delivers the mail (the client's EHLO after TLS goes
to it).  OpenSMTPD down: 421 at once, as a stopped MTA's port would
refuse.  While the file PLAINFLAG exists, the front offers no STARTTLS and
relays the session in plain text from the start (a relay without TLS, or
a man in the middle that strips it): a client that requires STARTTLS must
send nothing.  Each connection's outcome is logged on stdout.
"""
import os
import socket
import ssl
import sys
import threading

PORT, BACKEND, CERT, KEY = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
PLAIN = sys.argv[5] if len(sys.argv) > 5 else None
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(CERT, KEY)


def say(f, line):
    f.write((line + "\r\n").encode())
    f.flush()


def pipe(src, dst):
    try:
        while True:
            b = src.recv(65536)
            if not b:
                break
            dst.sendall(b)
    except OSError:
        pass
    for s in (src, dst):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def serve(c):
    f = c.makefile("rwb")
    try:
        back = socket.create_connection(("127.0.0.1", BACKEND), timeout=5)
    except OSError:
        say(f, "421 localhost service not available (the MTA is down)")
        print("refused: the MTA is down", flush=True)
        c.close()
        return
    back.settimeout(None)
    if PLAIN is not None and os.path.exists(PLAIN):
        print("plain: no STARTTLS offered", flush=True)
        threading.Thread(target=pipe, args=(back, c), daemon=True).start()
        pipe(c, back)
        return
    bf = back.makefile("rb")
    # OpenSMTPD's greeting; the client has ours.
    while True:
        line = bf.readline()
        if not line or line[3:4] != b"-":
            break
    say(f, "220 localhost ESMTP (STARTTLS front)")
    while True:
        line = f.readline()
        if not line:
            c.close(); back.close(); return
        cmd = line.strip().upper()
        if cmd.startswith(b"EHLO") or cmd.startswith(b"HELO"):
            say(f, "250-localhost")
            say(f, "250 STARTTLS")
        elif cmd == b"STARTTLS":
            say(f, "220 go ahead")
            break
        elif cmd == b"QUIT":
            say(f, "221 bye"); c.close(); back.close(); return
        else:
            say(f, "530 5.7.0 must issue a STARTTLS command first")
            print("refused: a command before STARTTLS", flush=True)
    try:
        t = ctx.wrap_socket(c, server_side=True)
    except (ssl.SSLError, OSError) as e:
        print("TLS failed: %s" % e, flush=True)
        c.close(); back.close()
        return
    print("TLS %s" % t.version(), flush=True)
    threading.Thread(target=pipe, args=(back, t), daemon=True).start()
    pipe(t, back)


s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", PORT))
s.listen(16)
print("ready", flush=True)
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
