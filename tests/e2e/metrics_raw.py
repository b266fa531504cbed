# metrics_raw.py ADDR CA: what no cairn command sends, for metrics.sh's
# JSON log check: a failed login whose name holds quotes, a backslash and
# control characters, and an op whose name is not UTF-8 (op names are
# checked against the table, not for UTF-8, so the bytes reach the log).
# Prints each answer's error code, one a line.
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rawconn import Raw  # noqa: E402
from kpi_raw import mp  # noqa: E402

addr, ca = sys.argv[1], sys.argv[2]
r = Raw(addr, ca, 'metrics-test')
weird = 'we"ird\\na\x01me\x1f\x7f'
ans = r.call('session.login', {'login': weird, 'password': 'wrong'})
print(ans.get('error', {}).get('code'))
op = b'\xff\xfe"\\\x01op\xc3'
body = (b'\x83' + mp('id') + mp(99) + mp('op') + bytes([0xa0 | len(op)]) +
        op + mp('args') + b'\x80')
r.s.sendall(struct.pack('>I', len(body)) + body)
# The answer must decode as strict msgpack: the name is not echoed when it
# is not UTF-8 (it once was, and Python's decoder refused the reply).
try:
    ans = r.frame()[0]
    print(ans.get('error', {}).get('code'))
except Exception as e:
    print('undecodable: %s' % e)
r.close()
