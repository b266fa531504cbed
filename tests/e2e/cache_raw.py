# cache_raw.py: what one cairnd caches is forgotten when a change is made
# through another (issue 17).  Connections stay open on cairnd B while an
# admin changes things through cairnd A; each case prints how long after
# A's reply B's open connection first showed the change:
#     CASE ms
# or "CASE FAIL what" when it did not within the deadline.
#
# Case "memory" first: with the users table locked by psql, B still
# answers user.get for a user it has read (from memory: "memory MS"), and
# not for one it has not (that waits for the lock: "uncached MS").
#
#   cache_raw.py ADDR_A ADDR_B CA ADMIN ADMIN_PW USER USER_PW TEAM \
#       DEADLINE_MS PSQL DATA OBJECTIVE (an objective of the private TEAM)
import subprocess, sys, time
from rawconn import Raw

A, B, CA, ADMIN, ADMIN_PW, USER, USER_PW, TEAM = sys.argv[1:9]
DEADLINE = int(sys.argv[9]) / 1000.0
PSQL, DATA = sys.argv[10:12]
OBJ = int(sys.argv[12])


def ok(r):
    return r.get('ok') is True


def code(r):
    return None if ok(r) else r.get('error', {}).get('code')


def until(name, conn, op, args, pred):
    """Ask conn op(args) until pred(reply) holds; print the ms it took."""
    t0 = time.monotonic()
    r = None
    while time.monotonic() - t0 < DEADLINE:
        r = conn.call(op, args)
        if pred(r):
            print('%s %.1f' % (name, (time.monotonic() - t0) * 1000),
                  flush=True)
            return True
        time.sleep(0.002)
    print('%s FAIL last reply %r' % (name, r), flush=True)
    return False


def must(conn, op, args):
    r = conn.call(op, args)
    if not ok(r):
        print('setup FAIL %s: %r' % (op, r), flush=True)
        sys.exit(1)
    return r['result']


def user_on(addr):
    c = Raw(addr, CA, 'cache_raw')
    if not c.login(USER, USER_PW):
        print('setup FAIL login %s on %s' % (USER, addr), flush=True)
        sys.exit(1)
    return c


admin = Raw(A, CA, 'cache_raw')
if not admin.login(ADMIN, ADMIN_PW):
    print('setup FAIL admin login', flush=True)
    sys.exit(1)

# 0. Served from memory while the users table is locked.
u = user_on(B)
must(u, 'user.get', {'login': USER})
must(u, 'user.get', {'login': USER})
lock = subprocess.Popen([PSQL, '-X', '-q', '-h', DATA, '-U', 'cairn', '-d',
                         'cairn', '-c', 'BEGIN', '-c', 'LOCK TABLE users',
                         '-c', 'SELECT pg_sleep(2)', '-c', 'COMMIT'],
                        stdout=subprocess.DEVNULL)
time.sleep(0.5)
t0 = time.monotonic()
must(u, 'user.get', {'login': USER})
print('memory %.1f' % ((time.monotonic() - t0) * 1000), flush=True)
t0 = time.monotonic()
must(u, 'user.get', {'login': ADMIN})
print('uncached %.1f' % ((time.monotonic() - t0) * 1000), flush=True)
lock.wait()

# 1. user.get served from B's cache shows a role changed through A.
for _ in range(3):	# filled, then served from memory
    if must(u, 'user.get', {'login': USER})['role'] != 'member':
        print('setup FAIL role', flush=True)
        sys.exit(1)
must(admin, 'user.set_role', {'login': USER, 'role': 'executive'})
until('user_get_role', u, 'user.get', {'login': USER},
      lambda r: ok(r) and r['result']['role'] == 'executive')
must(admin, 'user.set_role', {'login': USER, 'role': 'member'})
until('user_get_role_back', u, 'user.get', {'login': USER},
      lambda r: ok(r) and r['result']['role'] == 'member')

# 2. A role given through A lets an open connection on B use an admin op;
# taken back, refuses it again.
r = u.call('audit.list', {'limit': 1})
if code(r) != 'E_FORBIDDEN':
    print('setup FAIL audit.list as member: %r' % r, flush=True)
    sys.exit(1)
must(admin, 'user.set_role', {'login': USER, 'role': 'admin'})
until('role_given', u, 'audit.list', {'limit': 1}, ok)
must(admin, 'user.set_role', {'login': USER, 'role': 'member'})
until('role_taken', u, 'audit.list', {'limit': 1},
      lambda r: code(r) == 'E_FORBIDDEN')

# 3. A member removed from a private team through A reads it no more on B.
r = u.call('objective.get', {'id': OBJ})
if code(r) != 'E_NOT_FOUND':
    print('setup FAIL objective.get as outsider: %r' % r, flush=True)
    sys.exit(1)
must(admin, 'team.add_member', {'slug': TEAM, 'login': USER})
until('member_added', u, 'objective.get', {'id': OBJ}, ok)
must(admin, 'team.remove_member', {'slug': TEAM, 'login': USER})
until('member_removed', u, 'objective.get', {'id': OBJ},
      lambda r: code(r) == 'E_NOT_FOUND')

# 4. A session ended through A (the same session resumed there, then
# logged out) is refused on B's open connection.
tok = None
u2 = Raw(B, CA, 'cache_raw')
r = u2.call('session.login', {'login': USER, 'password': USER_PW})
if not ok(r):
    print('setup FAIL second login: %r' % r, flush=True)
    sys.exit(1)
tok = r['result']['token']
must(u2, 'user.get', {'login': USER})
other = Raw(A, CA, 'cache_raw')
must(other, 'session.resume', {'token': tok})
must(other, 'session.logout', {})
until('session_revoked', u2, 'user.get', {'login': USER},
      lambda r: code(r) == 'E_AUTH')

# 5. A user disabled through A is refused on B's open connection.
must(u, 'user.get', {'login': USER})
must(admin, 'user.disable', {'login': USER})
until('user_disabled', u, 'user.get', {'login': USER},
      lambda r: code(r) == 'E_AUTH')
must(admin, 'user.enable', {'login': USER})
