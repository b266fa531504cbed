#!/usr/bin/env python3
# stream_raw.py ADDR CA LOGIN PASSWORD MODE LIMIT [SLEEP]: one audit.list
# of LIMIT entries over TLS, read the way no cairn command reads it.
#   whole  without "parts": prints "ok ROWS" or the error code
#   parts  with "parts": prints "parts P rows R max FRAME", checking that
#          every frame has the request's id
#   slow   the same, but sleeps SLEEP seconds before reading anything
#   drop   with "parts": reads one frame, then closes the connection
import sys, time
from rawconn import Raw

def main():
    addr, ca, login, pw, mode, limit = sys.argv[1:7]
    nap = float(sys.argv[7]) if len(sys.argv) > 7 else 0
    c = Raw(addr, ca, 'stream_raw')
    if not c.login(login, pw):
        print('login failed')
        return
    args = {'limit': int(limit)}
    if mode == 'whole':
        r = c.call('audit.list', args)
        if r.get('ok'):
            print('ok', len(r['result']['entries']))
        else:
            print(r['error']['code'])
        return
    rid = c.send('audit.list', args, parts=True)
    if mode == 'slow':
        print('sent', flush=True)
        time.sleep(nap)
    parts = rows = biggest = 0
    while True:
        r, ln = c.frame()
        biggest = max(biggest, ln)
        if r.get('id') != rid:
            print('wrong id', r.get('id'))
            return
        if 'part' in r:
            parts += 1
            rows += len(r['part']['rows'])
            if mode == 'drop':
                c.close()
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
