#!/usr/bin/env python3
# export_raw.py ADDR CA LOGIN PASSWORD PERIOD: an export request without
# "parts", which no cairn command sends: prints the error code, or "ok".
import socket, ssl, struct, sys
from kpi_raw import mp, unmp

def main():
    addr, ca, login, pw, period = sys.argv[1:6]
    host, port = addr.rsplit(':', 1)
    ctx = ssl.create_default_context(cafile=ca)
    ctx.check_hostname = False
    s = ctx.wrap_socket(socket.create_connection((host, int(port))))

    def recv_exact(n):
        data = b''
        while len(data) < n:
            chunk = s.recv(n - len(data))
            if not chunk:
                raise EOFError('connection closed')
            data += chunk
        return data

    def call(rid, op, args):
        body = mp({'id': rid, 'op': op, 'args': args})
        s.sendall(struct.pack('>I', len(body)) + body)
        ln = struct.unpack('>I', recv_exact(4))[0]
        return unmp(recv_exact(ln))[0]

    call(1, 'hello', {'proto': 1, 'client': 'export_raw'})
    if not call(2, 'session.login', {'login': login, 'password': pw}).get('ok'):
        print('login failed')
        return
    r = call(3, 'export', {'period': period})
    print('ok' if r.get('ok') else r['error']['code'])

if __name__ == '__main__':
    main()
