# hold_startups.py ADDR CA N SECONDS READYFILE: open N hello'd connections
# (not logged in) from 127.0.0.1, write "ready" to READYFILE, hold them
# SECONDS, close them.  Says how many it held.
import sys, time
from rawconn import Raw

addr, ca, n, secs, ready = sys.argv[1:6]
held = [Raw(addr, ca, 'hold') for _ in range(int(n))]
print('held %d' % len(held), flush=True)
with open(ready, 'w') as f:
    f.write('ready\n')
time.sleep(float(secs))
for r in held:
    r.close()
