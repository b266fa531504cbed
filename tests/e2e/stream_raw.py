#!/usr/bin/env python3
# stream_raw.py ADDR CA LOGIN PASSWORD MODE LIMIT [SLEEP]: one audit.list
# of LIMIT entries over TLS, read the way no cairn command reads it.
#   whole  without "parts": prints "ok ROWS" or the error code
#   parts  with "parts": prints "parts P rows R max FRAME", checking that
#          every frame has the request's id
#   slow   the same, but sleeps SLEEP seconds before reading anything
#   drop   with "parts": reads one frame, then closes the connection
import socket, ssl, struct, sys, time
from kpi_raw import mp, unmp

def main():
    addr, ca, login, pw, mode, limit = sys.argv[1:7]
    nap = float(sys.argv[7]) if len(sys.argv) > 7 else 0
    host, port = addr.rsplit(':', 1)
    ctx = ssl.create_default_context(cafile=ca)
    ctx.check_hostname = False
    s = ctx.wrap_socket(socket.create_connection((host, int(port))))
    rid = [0]

    def send(op, args, parts=False):
        rid[0] += 1
        env = {'id': rid[0], 'op': op, 'args': args}
        if parts:
            env['parts'] = True
        body = mp(env)
        s.sendall(struct.pack('>I', len(body)) + body)

    def recv_exact(n):
        data = b''
        while len(data) < n:
            chunk = s.recv(n - len(data))
            if not chunk:
                raise EOFError('connection closed')
            data += chunk
        return data

    def frame():
        ln = struct.unpack('>I', recv_exact(4))[0]
        return unmp(recv_exact(ln))[0], ln

    def call(op, args):
        send(op, args)
        return frame()[0]

    call('hello', {'proto': 1, 'client': 'stream_raw'})
    r = call('session.login', {'login': login, 'password': pw})
    if not r.get('ok'):
        print('login failed', r)
        return
    args = {'limit': int(limit)}
    if mode == 'whole':
        r = call('audit.list', args)
        if r.get('ok'):
            print('ok', len(r['result']['entries']))
        else:
            print(r['error']['code'])
        return
    send('audit.list', args, parts=True)
    if mode == 'slow':
        print('sent', flush=True)
        time.sleep(nap)
    parts = rows = biggest = 0
    while True:
        r, ln = frame()
        biggest = max(biggest, ln)
        if r.get('id') != rid[0]:
            print('wrong id', r.get('id'))
            return
        if 'part' in r:
            parts += 1
            rows += len(r['part']['rows'])
            if mode == 'drop':
                s.close()
                print('dropped after', rows)
                return
            continue
        if not r.get('ok'):
            print(r['error']['code'])
            return
        break
    print('parts', parts, 'rows', rows, 'max', biggest)

if __name__ == '__main__':
    main()
