#!/usr/bin/env python3
# held_raw.py ADDR CA LOGIN PASSWORD PERIOD N HOLD: a member that holds
# streams.  N connections each ask for the export of PERIOD in parts, one
# after the other (each once the previous has its first bytes); then for
# HOLD seconds every connection reads a trickle (4 KiB every half second,
# enough to keep cairnd's writes going but far from draining its output),
# and finally reads everything.  Prints, flushed as it goes:
#   sent I          connection I has its request out (and bytes back)
#   held            all N sent: the hold begins
#   final I CODE MSG   how connection I's request ended (CODE ok or error)
import select, socket, ssl, sys, time
from kpi_raw import unmp
from rawconn import Raw

def first_bytes(c, deadline):
    """Wait until something is readable on c (its stream has begun)."""
    while time.monotonic() < deadline:
        if c.s.pending() or select.select([c.s], [], [], 0.1)[0]:
            return True
    return False

def main():
    addr, ca, login, pw, period, n, hold = sys.argv[1:8]
    n, hold = int(n), float(hold)
    conns = []
    for i in range(n):
        c = Raw(addr, ca, 'held_raw')
        if not c.login(login, pw):
            print('login failed', flush=True)
            return
        # A small receive buffer: the hold shows at cairnd at once.
        c.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 32768)
        c.send('export', {'period': period}, parts=True)
        first_bytes(c, time.monotonic() + 5)
        conns.append(c)
        print('sent', i + 1, flush=True)
    print('held', flush=True)
    end = time.monotonic() + hold
    raw = [b''] * n
    while time.monotonic() < end:
        for i, c in enumerate(conns):
            c.s.setblocking(False)
            try:
                raw[i] += c.s.recv(4096)
            except (ssl.SSLWantReadError, BlockingIOError):
                pass
            c.s.setblocking(True)
        time.sleep(0.5)
    for i, c in enumerate(conns):
        # What the trickle took first, then the rest, frame by frame.
        buf = raw[i]
        c.s.settimeout(30)
        code = msg = None
        while code is None:
            while len(buf) < 4 or len(buf) < 4 + int.from_bytes(buf[:4], 'big'):
                chunk = c.s.recv(65536)
                if not chunk:
                    code, msg = 'closed', ''
                    break
                buf += chunk
            if code is not None:
                break
            ln = int.from_bytes(buf[:4], 'big')
            r = unmp(buf[4:4 + ln])[0]
            buf = buf[4 + ln:]
            if 'part' in r:
                continue
            if r.get('ok'):
                code, msg = 'ok', ''
            else:
                code, msg = r['error']['code'], r['error'].get('message', '')
        print('final', i + 1, code, msg, flush=True)

if __name__ == '__main__':
    main()
