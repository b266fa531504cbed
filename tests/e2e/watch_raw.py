#!/usr/bin/env python3
# watch_raw.py ADDR CA HOME PID: requests on a watching connection (watch.sh).
# One connection watches; a user.get pipelined right behind event.watch
# (one write), and a ping sent later, are each answered at once with
# E_INVALID under their own ids; a check-in made elsewhere ($WR_CHECKIN,
# a shell command) still arrives as an event frame of the watch.  Then a
# flood of requests not read: the server stops reading (the sender
# stalls), cairnd's memory stays bounded (PID's VmRSS), and once read,
# every request sent has its refusal, in order, and the watch goes on
# ($WR_CHECKIN2).  Prints one "name value" line per fact for the suite.
import os, socket, ssl, struct, subprocess, sys, time
from kpi_raw import mp, unmp

addr, ca, home, pid = sys.argv[1:5]
host, port = addr.rsplit(':', 1)
ctx = ssl.create_default_context(cafile=ca)
ctx.check_hostname = False
s = ctx.wrap_socket(socket.create_connection((host, int(port))))
rid = 0

def req(op, args):
    global rid
    rid += 1
    b = mp({'id': rid, 'op': op, 'args': args})
    return rid, struct.pack('>I', len(b)) + b

rbuf = b''

def fill(timeout):
    """Read what comes within timeout into rbuf; False if nothing came."""
    global rbuf
    s.settimeout(timeout)
    try:
        d = s.recv(65536)
    except (socket.timeout, ssl.SSLWantReadError):
        return False
    if not d:
        raise EOFError('connection closed')
    rbuf += d
    return True

def take():
    """The next whole frame in rbuf, decoded, or None."""
    global rbuf
    if len(rbuf) < 4:
        return None
    n = struct.unpack('>I', rbuf[:4])[0]
    if len(rbuf) < 4 + n:
        return None
    f = unmp(rbuf[4:4 + n])[0]
    rbuf = rbuf[4 + n:]
    return f

def frame(timeout=10):
    end = time.monotonic() + timeout
    while True:
        f = take()
        if f is not None:
            return f
        if time.monotonic() > end:
            raise TimeoutError('no frame within %d s' % timeout)
        fill(0.5)

def rss():
    for l in open('/proc/%s/status' % pid):
        if l.startswith('VmRSS:'):
            return int(l.split()[1])

def say(k, v):
    print(k, v, flush=True)

def call(op, args):
    i, b = req(op, args)
    s.sendall(b)
    f = frame()
    assert f['id'] == i, f
    return f

call('hello', {'proto': 1, 'client': 'watch_raw'})
tok = [l.split('=', 1)[1].strip() for l in open(home + '/cairn/session')
       if l.startswith('token')][0]
say('resume', call('session.resume', {'token': tok}).get('ok'))

# event.watch and user.get in one write: the second waits for the watch
# to start, then is refused, and the watch goes on.
wid, wb = req('event.watch', {})
gid, gb = req('user.get', {'login': 'admin'})
s.sendall(wb + gb)
f = frame()
say('first', 'watching' if f.get('id') == wid and 'watching' in f else f)
f = frame()
say('pipelined', '%s %s' % (f.get('id') == gid and 'own-id' or f.get('id'),
    f.get('error', {}).get('code')))
say('message', repr(f.get('error', {}).get('message')))
# Later, on the same connection: refused at once as well.
pid_, pb = req('ping', {})
t0 = time.monotonic()
s.sendall(pb)
f = frame()
say('later', '%s %s %d' % (f.get('id') == pid_ and 'own-id' or f.get('id'),
    f.get('error', {}).get('code'), (time.monotonic() - t0) * 1000))

def await_event(cmd, deadline):
    subprocess.run(['sh', '-c', os.environ[cmd]], check=True,
                   stdout=subprocess.DEVNULL)
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        f = frame()
        if f.get('id') == wid and 'event' in f and \
                f['event'].get('kind') == 'checkin':
            return 'event'
        if f.get('id') == wid and f.get('ok') is False:
            return 'ended %s' % f['error'].get('code')
    return 'none'

say('watch', await_event('WR_CHECKIN', 10))

# The flood: refusals are written only while the output is under
# max_output, then the queue fills, then reading stops.  Frames of
# user.get with fixed-width ids, built by hand (a million of them), sent
# in chunks of whole frames without reading.
N = 1000000
CH = 1000
first = rid + 1
body = lambda i: (b'\x83\xa2id\xce' + struct.pack('>I', i) +
                  b'\xa2op\xa8user.get\xa4args\x81\xa5login\xa5admin')
blob = b''.join(struct.pack('>I', len(body(i))) + body(i)
                for i in range(first, first + N))
flen = len(blob) // N
rss0 = rss()
# A second without progress is a stall; it must be short: cairnd drops a
# client that does not read its replies for idle_timeout (4 s here).
s.settimeout(1)
sent = 0
pending = None
while sent < len(blob):
    chunk = blob[sent:sent + CH * flen]
    try:
        s.sendall(chunk)
    except (socket.timeout, ssl.SSLWantWriteError):
        pending = chunk		# to be written again, as it is
        break
    sent += len(chunk)
say('flood_stalled', 'yes' if pending is not None else 'no')
say('flood_sent_mb', '%.1f of %.1f' % (sent / 1e6, len(blob) / 1e6))
say('rss_growth_kib', rss() - rss0)
# Now read, and write the chunk cut short again (with the same bytes, as
# TLS wants), until every request sent has its answer.
nsent = sent // flen + (CH if pending is not None else 0)
want = first
bad = None
end = time.monotonic() + 120
while want < first + nsent and bad is None:
    if time.monotonic() > end:
        bad = 'answered up to %d of %d within 120 s' % (want - first, nsent)
        break
    if pending is not None:
        s.settimeout(0.05)
        try:
            s.sendall(pending)
            pending = None
        except (socket.timeout, ssl.SSLWantWriteError):
            pass
    fill(0.05)
    while bad is None and (f := take()) is not None:
        if f.get('id') == wid:
            if f.get('ok') is False:
                bad = 'watch ended %s' % f['error'].get('code')
            continue
        if f.get('id') != want or \
                f.get('error', {}).get('code') != 'E_INVALID':
            bad = 'id %s %s, wanted %d' % (f.get('id'), f.get('error'), want)
        want += 1
say('flood_answers', bad or 'all %d in order' % nsent)
rid = first + nsent
say('watch_after', await_event('WR_CHECKIN2', 10))

# A broken frame (length 0): its error, then the connection closes, the
# watch with it.
s.settimeout(10)
s.sendall(b'\0\0\0\0')
got = None
try:
    while True:
        f = frame()
        if f.get('ok') is False and f['error'].get('code') == 'E_BAD_FRAME':
            got = 'E_BAD_FRAME'
except EOFError:
    got = '%s then closed' % got
except (TimeoutError, OSError) as e:
    got = '%s then %s' % (got, e)
say('broken', got)
