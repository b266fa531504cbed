# auth.sh: failed password checks counted per login and source address
# (test_auth, cmocka, from several loopback addresses), and housekeeping:
# ended sessions and expired counts deleted in the background (sourced by
# run.sh, which sets housekeep_interval = 1 and session_keep's default of
# one day).

echo "# failed password checks from several source addresses (cmocka)"
if CAIRN_TEST_ADDR=$ADDR CAIRN_TEST_CA=$T/certs/ca.pem \
    CAIRN_TEST_ADMIN=root CAIRN_TEST_ADMIN_PW=$ADMIN_PW \
    CAIRN_TEST_PG="host=$DATA user=cairn dbname=cairn" "$BIN/test_auth"; then
	ok "throttling suite: lock-out per address, set_password, races, cap"
else
	not_ok "throttling suite: lock-out per address, set_password, races, cap"
fi

hk_as() {	# hk_as N cairn-args...: cairn with its own session N
	local n=$1
	shift
	XDG_CONFIG_HOME=$T/home-hk$n "$BIN/cairn" "$@"
}
HK_USER=hk-$$
HK_PW=hk-password-$$
expect_exit "housekeeping: admin logs in" 0 sh -c "echo '$ADMIN_PW' | XDG_CONFIG_HOME=$T/home-hkadmin $BIN/cairn login root --password-stdin"
expect_exit "housekeeping: a user for it" 0 sh -c "echo '$HK_PW' | XDG_CONFIG_HOME=$T/home-hkadmin $BIN/cairn user add $HK_USER --name HK --password-stdin"
for n in 1 2 3 4 5 6; do
	expect_exit "housekeeping: session $n opens" 0 sh -c "echo '$HK_PW' | XDG_CONFIG_HOME=$T/home-hk$n $BIN/cairn login $HK_USER --password-stdin"
done
# sid N: the session's id, from the token in its file.
sid() {
	local tok
	tok=$(sed -n 's/^token=//p' "$T/home-hk$1/cairn/session")
	psql_cairn -c "SELECT id FROM sessions WHERE token_hash = sha256(decode('$tok', 'hex'))"
}
S1=$(sid 1) S2=$(sid 2) S3=$(sid 3) S4=$(sid 4) S5=$(sid 5) S6=$(sid 6)
expect_exit "housekeeping: session 2 logs out" 0 hk_as 2 logout
expect_exit "housekeeping: session 3 logs out" 0 hk_as 3 logout
# Made old in the database: revoked 2 days ago, expired 2 days ago, idle for
# 3 days (session_idle 1 day + session_keep 1 day), and, within the day
# kept, one expired a minute ago.
psql_cairn -c "UPDATE sessions SET revoked_at = now() - interval '2 days' WHERE id = $S3"
psql_cairn -c "UPDATE sessions SET created_at = now() - interval '3 days', expires_at = now() - interval '2 days' WHERE id = $S4"
psql_cairn -c "UPDATE sessions SET last_seen = now() - interval '3 days' WHERE id = $S5"
psql_cairn -c "UPDATE sessions SET created_at = now() - interval '2 minutes', expires_at = now() - interval '1 minute' WHERE id = $S6"
# A backlog bigger than one batch (1000): 2500 sessions revoked long ago.
psql_cairn -c "INSERT INTO sessions (user_id, token_hash, created_at, last_seen, expires_at, revoked_at) SELECT u.id, sha256(('hk-$$-' || i)::bytea), now() - interval '5 days', now() - interval '5 days', now() + interval '2 days', now() - interval '4 days' FROM users u, generate_series(1, 2500) i WHERE u.login = '$HK_USER'"
# Failure counts: one expired, one live (locked).
psql_cairn -c "INSERT INTO login_throttle (login, addr, failures, last_failure, expires_at) VALUES ('hk-old-$$', '127.0.0.9', 3, now() - interval '1 hour', now() - interval '50 minutes')"
psql_cairn -c "INSERT INTO login_throttle (login, addr, failures, locked_until, expires_at) VALUES ('hk-live-$$', '127.0.0.9', 9, now() + interval '1 hour', now() + interval '1 hour')"

gone() {
	psql_cairn -c "SELECT count(*) FROM sessions WHERE id IN ($S3, $S4, $S5) OR token_hash IN (SELECT sha256(('hk-$$-' || i)::bytea) FROM generate_series(1, 2500) i)"
}
for i in $(seq 1 60); do
	left=$(gone)
	[ "$left" = 0 ] && break
	sleep 0.5
done
expect_eq "housekeeping: revoked, expired and idle sessions are deleted" "$left" 0
expect_eq "housekeeping: live and recently ended sessions stay" \
    "$(psql_cairn -c "SELECT count(*) FROM sessions WHERE id IN ($S1, $S2, $S6)")" 3
expect_exit "housekeeping: the live session still works" 0 hk_as 1 whoami
expect_exit "housekeeping: the revoked one is still refused" 3 hk_as 2 whoami
expect_exit "housekeeping: the expired one is still refused" 3 hk_as 6 whoami
if wait_log 10 "housekeeping: deleted 1000 ended sessions \\(a full batch" "$T"/cairnd*.log; then
	ok "housekeeping: deletes in batches of 1000, logged at debug"
else
	not_ok "housekeeping: deletes in batches of 1000, logged at debug" \
	    "$(grep housekeeping "$T"/cairnd*.log | tail -5)"
fi
expect_eq "housekeeping: expired failure counts are deleted" \
    "$(psql_cairn -c "SELECT count(*) FROM login_throttle WHERE login = 'hk-old-$$'")" 0
expect_eq "housekeeping: live failure counts stay" \
    "$(psql_cairn -c "SELECT count(*) FROM login_throttle WHERE login = 'hk-live-$$'")" 1
