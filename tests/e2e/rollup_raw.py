#!/usr/bin/env python3
# rollup_raw.py ADDR CA LOGIN PASSWORD MODE OP PERIOD: one roll-up op (tree,
# review, health) for PERIOD over TLS, read frame by frame.
#   whole  without "parts": prints "ok" and each set's row count, or the
#          error code
#   parts  with "parts": prints "parts P" then "SET ROWS" per set in the
#          order the parts came, "max FRAME", and "server_ms" if present
import socket, ssl, struct, sys
from kpi_raw import mp, unmp

def main():
    addr, ca, login, pw, mode, op, period = sys.argv[1:8]
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

    call('hello', {'proto': 1, 'client': 'rollup_raw'})
    r = call('session.login', {'login': login, 'password': pw})
    if not r.get('ok'):
        print('login failed', r)
        return
    args = {'period': period}
    if mode == 'whole':
        r = call(op, args)
        if r.get('ok'):
            print('ok', ' '.join('%s %d' % (k, len(v))
                for k, v in r['result'].items() if isinstance(v, list)))
        else:
            print(r['error']['code'])
        return
    send(op, args, parts=True)
    parts = biggest = 0
    sets = []
    while True:
        r, ln = frame()
        biggest = max(biggest, ln)
        if r.get('id') != rid[0]:
            print('wrong id', r.get('id'))
            return
        if 'part' in r:
            parts += 1
            name = r['part']['set']
            if not sets or sets[-1][0] != name:
                sets.append([name, 0])
            sets[-1][1] += len(r['part']['rows'])
            continue
        if not r.get('ok'):
            print(r['error']['code'])
            return
        break
    print('parts', parts)
    for name, n in sets:
        print(name, n)
    print('max', biggest)
    if 'server_ms' in r['result']:
        print('server_ms', r['result']['server_ms'])

if __name__ == '__main__':
    main()
