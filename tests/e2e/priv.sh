# priv.sh: cairnd started as root serves as an unprivileged account, refuses
# to serve as root, and writes nothing anyone else can read (sourced by
# run.sh; the privilege tests need root, as in CI).

if [ "$(id -u)" != 0 ]; then
	echo "# priv: not root, privilege-drop tests skipped"
	return 0 2>/dev/null || exit 0
fi
PCA=$T/certs/ca.pem
pping() { "$BIN/cairn" --server "$ADDR" --ca "$PCA" ping; }

[ -n "$SERVER_PID" ] && stop_server
start_server "$T/cairnd-priv.log" || not_ok "cairnd starts (priv)"
PLOG=$T/cairnd-priv.log
puid=$(id -u postgres)
pgid=$(id -g postgres)
expect_eq "cairnd serves as postgres, the cluster's account" \
    "$(ps -o user= -p "$SERVER_PID" | tr -d ' ')" postgres
expect_eq "... real, effective, saved and fs uid are all postgres" \
    "$(awk '/^Uid:/ { print $2, $3, $4, $5 }' "/proc/$SERVER_PID/status")" "$puid $puid $puid $puid"
expect_eq "... and so are the gids" \
    "$(awk '/^Gid:/ { print $2, $3, $4, $5 }' "/proc/$SERVER_PID/status")" "$pgid $pgid $pgid $pgid"
groups=$(awk '/^Groups:/ { $1 = ""; print }' "/proc/$SERVER_PID/status")
if printf ' %s ' "$groups" | grep -q ' 0 '; then
	not_ok "... and root's group is gone" "Groups:$groups"
else
	ok "... and root's group is gone (Groups:$groups)"
fi
expect_match "the log says so" "serving as postgres \\(uid $puid" "$(< "$PLOG")"
expect_exit "and it serves" 0 pping

expect_exit "--user root is refused" 1 timeout 30 "$BIN/cairnd" --config "$T/cairnd.conf" --user root
expect_match "... saying why" "user root is root \\(uid 0\\): cairnd does not serve as root" "$ERR"
expect_exit "a missing account is refused" 1 timeout 30 "$BIN/cairnd" --config "$T/cairnd.conf" --user no-such-account-cairn
expect_match "... naming it" "no account 'no-such-account-cairn'" "$ERR"
expect_exit "with data_dir, an account other than the cluster's is refused" 1 timeout 30 "$BIN/cairnd" --config "$T/cairnd.conf" --user nobody
expect_match "... saying why" "cluster's account" "$ERR"

# External database, no cluster: the default account is still not root.
PORT2=$((PORT + 1))
sed -e '/^data_dir/d' -e "s/^listen = .*/listen = 127.0.0.1:$PORT2/" "$T/cairnd.conf" >"$T/cairnd-db.conf"
echo "db = postgresql:///cairn?host=$DATA&user=cairn" >>"$T/cairnd-db.conf"
expect_exit "--db with no account to serve as is refused" 1 timeout 30 "$BIN/cairnd" --config "$T/cairnd-db.conf" --cluster-user no-such-account-cairn
expect_match "... rather than serving as root" "does not serve as root.*no account" "$ERR"
"$BIN/cairnd" --config "$T/cairnd-db.conf" >"$T/cairnd-db.log" 2>&1 &
dbpid=$!
up=no
for i in $(seq 1 100); do
	"$BIN/cairn" --server "127.0.0.1:$PORT2" --ca "$PCA" ping >/dev/null 2>&1 && { up=yes; break; }
	sleep 0.1
done
expect_eq "--db mode serves" "$up" yes
expect_eq "... as postgres too" "$(ps -o user= -p "$dbpid" | tr -d ' ')" postgres
kill -TERM "$dbpid"; wait "$dbpid"

# Files: nothing cairnd or its cluster wrote is readable by others.
expect_eq "DIR is 0700" "$(stat -c %a "$DATA")" 700
expect_eq "DIR/cairnd.lock is 0600" "$(stat -c %a "$DATA/cairnd.lock")" 600
expect_eq "pgdata/cairn.conf is 0600, owned by postgres" "$(stat -c '%a %U' "$DATA/pgdata/cairn.conf")" "600 postgres"
open=$(find "$DATA" -perm /007 ! -type l 2>/dev/null | head -5)
expect_eq "nothing under DIR is open to others" "$open" ""
sh "$ROOT/certs/make-dev-certs.sh" "$T/pk" >/dev/null
expect_eq "make-dev-certs.sh: keys 0600, certificates 0644" \
    "$(stat -c %a "$T/pk/ca.key" "$T/pk/server.key" "$T/pk/ca.pem" "$T/pk/server.pem" | tr '\n' ' ')" "600 600 644 644 "
expect_eq "the harness's key: group postgres, not world-readable" "$(stat -c '%a %G' "$T/certs/server.key")" "640 postgres"

# SIGHUP after the drop reads the files as postgres.
chmod 600 "$T/certs/server.key"
kill -HUP "$SERVER_PID"
for i in $(seq 1 50); do grep -q "keeping the old certificate" "$PLOG" && break; sleep 0.1; done
expect_match "SIGHUP with a key postgres cannot read: a clear warning" "keeping the old certificate: key .*cairnd runs as postgres: the files must be readable by it" "$(< "$PLOG")"
expect_exit "... and the old certificate still serves" 0 pping
chmod 640 "$T/certs/server.key"
kill -HUP "$SERVER_PID"
for i in $(seq 1 50); do grep -q "certificate and key reloaded" "$PLOG" && break; sleep 0.1; done
expect_match "with the key readable by postgres, SIGHUP reloads" "certificate and key reloaded" "$(< "$PLOG")"
expect_exit "... and serves" 0 pping
