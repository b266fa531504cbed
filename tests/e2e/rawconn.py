# rawconn.py: one TLS connection to cairnd speaking frames by hand, for the
# *_raw.py test clients that send what no cairn command sends (requests
# without "parts", reading parts frame by frame, reading nothing at all).
import socket, ssl, struct
from kpi_raw import mp, unmp

class Raw:
    def __init__(self, addr, ca, name):
        host, port = addr.rsplit(':', 1)
        ctx = ssl.create_default_context(cafile=ca)
        ctx.check_hostname = False
        self.s = ctx.wrap_socket(socket.create_connection((host, int(port))))
        self.rid = 0
        self.call('hello', {'proto': 1, 'client': name})

    def send(self, op, args, parts=False):
        """Send a request; returns its id."""
        self.rid += 1
        env = {'id': self.rid, 'op': op, 'args': args}
        if parts:
            env['parts'] = True
        body = mp(env)
        self.s.sendall(struct.pack('>I', len(body)) + body)
        return self.rid

    def _exact(self, n):
        data = b''
        while len(data) < n:
            chunk = self.s.recv(n - len(data))
            if not chunk:
                raise EOFError('connection closed')
            data += chunk
        return data

    def frame(self):
        """The next frame, decoded, and its length."""
        ln = struct.unpack('>I', self._exact(4))[0]
        return unmp(self._exact(ln))[0], ln

    def call(self, op, args):
        self.send(op, args)
        return self.frame()[0]

    def login(self, login, pw):
        return self.call('session.login',
                         {'login': login, 'password': pw}).get('ok')

    def close(self):
        self.s.close()
