#!/bin/sh
# make run: serve cairnd on 127.0.0.1:7443 with its embedded PostgreSQL,
# bootstrapping an administrator and loading the demo organisation
# (cairnd --demo) the first time.  Usage: run-dev.sh BIN
# CAIRN_DEMO=0 leaves a new database empty.  CAIRN_DEV_SETUP_ONLY=1 stops
# before serving (tests/e2e/devrun.sh tests the file handling with it).
#
# As root, cairnd hands the data directory to the cluster's account
# (docs/operations.md, "The embedded cluster"): that account may put links
# anywhere in it.  So the files this script writes and reads as root, the
# administrator's password and the demo's logins, live in DATA-secrets
# beside it (e.g. var-secrets), a directory of ours, mode 0700, that no
# other account can enter or rename things in; nothing here opens a path
# inside DATA.
set -e
BIN=$(cd "$1" && pwd)
ROOT=$(pwd)
LISTEN=${CAIRN_LISTEN:-127.0.0.1:7443}
DATA=${CAIRN_DATA_DIR:-$ROOT/var}

# As root the cluster runs as 'postgres', which must be able to reach the
# data directory; a checkout inside a private home directory is not.
if [ "$(id -u)" = 0 ] && [ -z "${CAIRN_DATA_DIR:-}" ] &&
    ! runuser -u postgres -- test -x "$ROOT" 2>/dev/null; then
	DATA=/var/lib/cairn-dev
	echo "cairn: $ROOT is not reachable by the postgres account;"
	echo "cairn: keeping the development database in $DATA instead"
fi
mkdir -p "$DATA"
# DATA-secrets must be beside DATA, not in it: no trailing "/".
while [ "${DATA%/}" != "$DATA" ] && [ "$DATA" != / ]; do
	DATA=${DATA%/}
done
SECRETS=$DATA-secrets
ME=$(id -u)
if [ ! -e "$SECRETS" ] && [ ! -L "$SECRETS" ]; then
	mkdir -m 700 "$SECRETS"
fi
if [ -L "$SECRETS" ] || [ ! -d "$SECRETS" ] ||
    [ "$(stat -c %u "$SECRETS")" != "$ME" ]; then
	echo "cairn: $SECRETS must be a directory of $(id -un), not a link;" \
	    "remove it" >&2
	exit 1
fi
chmod 700 "$SECRETS"
# From before DATA-secrets: the files move (a rename moves a link, never
# what it points to), then only a plain file of ours is kept.
for f in admin-password demo-logins; do
	if { [ -e "$DATA/$f" ] || [ -L "$DATA/$f" ]; } &&
	    [ ! -e "$SECRETS/$f" ] && [ ! -L "$SECRETS/$f" ]; then
		mv "$DATA/$f" "$SECRETS/$f"
		if [ -L "$SECRETS/$f" ] || [ ! -f "$SECRETS/$f" ] ||
		    [ "$(stat -c %u "$SECRETS/$f")" != "$ME" ]; then
			rm -rf -- "$SECRETS/$f"
			echo "cairn: $DATA/$f was a link or not $(id -un)'s:" \
			    "removed unread" >&2
		fi
	fi
done
PWFILE=$SECRETS/admin-password
# The key sealing the sources' credentials (cairnd's secret_key): made
# once, read by cairnd as root before it drops its privileges.
KEYFILE=$SECRETS/secret.key
if [ ! -e "$KEYFILE" ]; then
	(umask 077 && rm -f "$KEYFILE.tmp" &&
	    openssl rand -hex 32 > "$KEYFILE.tmp" && chmod 400 "$KEYFILE.tmp" &&
	    mv "$KEYFILE.tmp" "$KEYFILE")
fi
DEMOFILE=$SECRETS/demo-logins
NEW=
[ -f "$DATA/pgdata/PG_VERSION" ] || NEW=1
if [ ! -f "$DATA/pgdata/PG_VERSION" ] || [ ! -f "$PWFILE" ]; then
	umask 077
	rm -f "$PWFILE.tmp"
	(set -C && openssl rand -base64 18 > "$PWFILE.tmp")
	if "$BIN/cairnd" --data-dir "$DATA" --init-admin admin \
	    --password-stdin < "$PWFILE.tmp"; then
		mv "$PWFILE.tmp" "$PWFILE"
	else
		rm -f "$PWFILE.tmp"
		echo "cairn: could not create the administrator" >&2
		exit 1
	fi
	umask 022
fi
# The demo goes only into the database just created (cairnd --demo would
# refuse any other: it exits 3 on a database that is not empty).
if [ -n "$NEW" ] && [ "${CAIRN_DEMO:-1}" != 0 ]; then
	umask 077
	rm -f "$DEMOFILE.tmp"
	if (set -C && "$BIN/cairnd" --data-dir "$DATA" --secret-key "$KEYFILE" \
	    --demo > "$DEMOFILE.tmp"); then
		mv "$DEMOFILE.tmp" "$DEMOFILE"
	else
		rm -f "$DEMOFILE.tmp"
		echo "cairn: the demo organisation was not loaded" >&2
	fi
	umask 022
fi

cat <<MSG

  cairnd is starting on $LISTEN (TLS, CA: $ROOT/certs/ca.pem).
  The administrator is 'admin'; its one-time password is in
  $PWFILE (change it with 'cairn passwd').

  In a second terminal:

    $BIN/cairn --server $LISTEN --ca $ROOT/certs/ca.pem login admin --password-stdin < $PWFILE
    $BIN/cairn whoami
    $BIN/cairn user add alice --name 'Alice Example'

  Notifications: mail is off (no smtp_host: nothing is mailed; set
  smtp_host, smtp_port, smtp_from in a cairnd.conf to mail through a
  relay, docs/operations.md "Notifications"); webhooks go out as added
  ('cairn hook add --team SLUG https://...').

MSG
if [ -f "$DEMOFILE" ]; then
	Q=$(sed -n '1s/.* and \([^ ]*\) (active)$/\1/p' "$DEMOFILE")
	cat <<MSG
  The demo organisation (cairnd --demo), from $DEMOFILE:

$(sed 's/^/  /' "$DEMOFILE")

  Log in as its executive (erin) or a lead (marco, priya, lena, chen):

    $BIN/cairn --server $LISTEN --ca $ROOT/certs/ca.pem login erin
    $BIN/cairn tree
    $BIN/cairn review
    $BIN/cairn health
    $BIN/cairn kpi list
    $BIN/cairn roi show --org --period $Q
    $BIN/cairn report --period $Q --html report.html
    $BIN/cairn login chen && $BIN/cairn due

MSG
fi
[ "${CAIRN_DEV_SETUP_ONLY:-}" = 1 ] && exit 0
echo "  Stop the server with Ctrl-C."
echo
exec "$BIN/cairnd" --data-dir "$DATA" --listen "$LISTEN" \
    --cert "$ROOT/certs/server.pem" --key "$ROOT/certs/server.key" \
    --secret-key "$KEYFILE"
