#!/usr/bin/env python3
# kpi_raw.py ADDR CA LOGIN PASSWORD KPI N: send one kpi.record of N
# readings of KPI over TLS, as no cairn command can (the client never
# sends more than 1000), and print the reply's error code and field, or
# "ok RECORDED".  MessagePack is encoded by hand: the few types needed.
import socket, ssl, struct, sys

def mp(v):
    if v is None:
        return b'\xc0'
    if isinstance(v, bool):
        return b'\xc3' if v else b'\xc2'
    if isinstance(v, int):
        if 0 <= v < 128:
            return bytes([v])
        return b'\xd3' + struct.pack('>q', v)
    if isinstance(v, float):
        return b'\xcb' + struct.pack('>d', v)
    if isinstance(v, str):
        b = v.encode()
        if len(b) < 32:
            return bytes([0xa0 | len(b)]) + b
        return b'\xda' + struct.pack('>H', len(b)) + b
    if isinstance(v, list):
        return b'\xdd' + struct.pack('>I', len(v)) + b''.join(map(mp, v))
    if isinstance(v, dict):
        return (b'\xdf' + struct.pack('>I', len(v)) +
                b''.join(mp(k) + mp(x) for k, x in v.items()))
    raise TypeError(v)

def unmp(b, i=0):
    t = b[i]
    if t < 0x80: return t, i + 1
    if 0x80 <= t <= 0x8f: return unmap(b, i + 1, t & 15)
    if 0x90 <= t <= 0x9f: return unarr(b, i + 1, t & 15)
    if 0xa0 <= t <= 0xbf: n = t & 31; return b[i+1:i+1+n].decode(), i + 1 + n
    if t == 0xc0: return None, i + 1
    if t == 0xc2: return False, i + 1
    if t == 0xc3: return True, i + 1
    if t == 0xcb: return struct.unpack('>d', b[i+1:i+9])[0], i + 9
    if t == 0xcc: return b[i+1], i + 2
    if t == 0xcd: return struct.unpack('>H', b[i+1:i+3])[0], i + 3
    if t == 0xce: return struct.unpack('>I', b[i+1:i+5])[0], i + 5
    if t == 0xcf: return struct.unpack('>Q', b[i+1:i+9])[0], i + 9
    if t == 0xd3: return struct.unpack('>q', b[i+1:i+9])[0], i + 9
    if t == 0xd9: n = b[i+1]; return b[i+2:i+2+n].decode(), i + 2 + n
    if t == 0xda:
        n = struct.unpack('>H', b[i+1:i+3])[0]
        return b[i+3:i+3+n].decode(), i + 3 + n
    if t == 0xde: return unmap(b, i + 3, struct.unpack('>H', b[i+1:i+3])[0])
    if t == 0xdf: return unmap(b, i + 5, struct.unpack('>I', b[i+1:i+5])[0])
    if t == 0xdc: return unarr(b, i + 3, struct.unpack('>H', b[i+1:i+3])[0])
    if t == 0xdd: return unarr(b, i + 5, struct.unpack('>I', b[i+1:i+5])[0])
    if t >= 0xe0: return t - 256, i + 1
    raise ValueError(hex(t))

def unmap(b, i, n):
    d = {}
    for _ in range(n):
        k, i = unmp(b, i)
        v, i = unmp(b, i)
        d[k] = v
    return d, i

def unarr(b, i, n):
    a = []
    for _ in range(n):
        v, i = unmp(b, i)
        a.append(v)
    return a, i

def main():
    addr, ca, login, pw, kpi, n = sys.argv[1:7]
    host, port = addr.rsplit(':', 1)
    ctx = ssl.create_default_context(cafile=ca)
    ctx.check_hostname = False
    s = ctx.wrap_socket(socket.create_connection((host, int(port))))
    rid = [0]

    def call(op, args):
        rid[0] += 1
        body = mp({'id': rid[0], 'op': op, 'args': args})
        s.sendall(struct.pack('>I', len(body)) + body)
        hdr = b''
        while len(hdr) < 4:
            hdr += s.recv(4 - len(hdr))
        ln = struct.unpack('>I', hdr)[0]
        data = b''
        while len(data) < ln:
            data += s.recv(ln - len(data))
        return unmp(data)[0]

    call('hello', {'proto': 1, 'client': 'kpi_raw'})
    r = call('session.login', {'login': login, 'password': pw})
    if not r.get('ok'):
        print('login failed', r)
        return
    readings = [{'kpi': int(kpi), 'value': i} for i in range(int(n))]
    r = call('kpi.record', {'readings': readings})
    if r.get('ok'):
        print('ok', r['result'].get('recorded'))
    else:
        e = r['error']
        print(e.get('code'), e.get('field', '-'))

if __name__ == "__main__":
    main()
