#!/usr/bin/env python3
# export_raw.py ADDR CA LOGIN PASSWORD PERIOD: an export request without
# "parts", which no cairn command sends: prints the error code, or "ok".
import sys
from rawconn import Raw

def main():
    addr, ca, login, pw, period = sys.argv[1:6]
    c = Raw(addr, ca, 'export_raw')
    if not c.login(login, pw):
        print('login failed')
        return
    r = c.call('export', {'period': period})
    print('ok' if r.get('ok') else r['error']['code'])

if __name__ == '__main__':
    main()
