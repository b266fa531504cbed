#!/usr/bin/env python3
# rollup_raw.py ADDR CA LOGIN PASSWORD MODE OP PERIOD: one roll-up op (tree,
# review, health) for PERIOD over TLS, read frame by frame.
#   whole  without "parts": prints "ok" and each set's row count, or the
#          error code
#   parts  with "parts": prints "parts P" then "SET ROWS" per set in the
#          order the parts came, "max FRAME", and "server_ms" if present
import sys
from rawconn import Raw

def main():
    addr, ca, login, pw, mode, op, period = sys.argv[1:8]
    c = Raw(addr, ca, 'rollup_raw')
    if not c.login(login, pw):
        print('login failed')
        return
    args = {'period': period}
    if mode == 'whole':
        r = c.call(op, args)
        if r.get('ok'):
            print('ok', ' '.join('%s %d' % (k, len(v))
                for k, v in r['result'].items() if isinstance(v, list)))
        else:
            print(r['error']['code'])
        return
    rid = c.send(op, args, parts=True)
    parts = biggest = 0
    sets = []
    while True:
        r, ln = c.frame()
        biggest = max(biggest, ln)
        if r.get('id') != rid:
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
