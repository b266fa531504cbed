# cli.sh: the cairn command line against the live server (sourced by suite.sh).


expect_exit "ping needs no login" 0 as nobody ping
expect_match "ping prints the round trip" "time=[0-9.]+ ms" "$OUT"
expect_exit "--version" 0 "$BIN/cairn" --version
expect_match "--version names cairn" "^cairn [0-9]" "$OUT"
expect_exit "help documents exit codes" 0 "$BIN/cairn" help
expect_match "help lists exit code 8" "8" "$OUT"
expect_exit "unknown command is a usage error" 2 as nobody frobnicate
expect_exit "missing argument is a usage error" 2 as nobody user show

expect_exit "whoami before login is E_AUTH" 3 as nobody whoami
expect_exit "login with a wrong password" 3 sh -c "echo wrong-password | XDG_CONFIG_HOME=$T/home-admin $BIN/cairn login root --password-stdin"
WRONG_MSG=$ERR
expect_exit "login with an unknown name" 3 sh -c "echo wrong-password | XDG_CONFIG_HOME=$T/home-admin $BIN/cairn login nosuchuser --password-stdin"
expect_eq "unknown login and wrong password read the same" "$ERR" "$WRONG_MSG"

expect_exit "admin logs in" 0 sh -c "echo '$ADMIN_PW' | XDG_CONFIG_HOME=$T/home-admin $BIN/cairn login root --password-stdin"
mode=$(stat -c %a "$T/home-admin/cairn/session" 2>/dev/null)
expect_eq "session file is mode 0600" "$mode" "600"
expect_exit "whoami as admin" 0 as admin --json whoami
expect_eq "whoami login" "$(echo "$OUT" | json_field login)" "root"
expect_eq "whoami role" "$(echo "$OUT" | json_field role)" "admin"
expect_eq "whoami enabled" "$(echo "$OUT" | json_field enabled)" "true"
if grep -q "$ADMIN_PW" "$T"/cairnd.log; then
	not_ok "the server log holds no password"
else
	ok "the server log holds no password"
fi
TOKEN=$(sed -n 's/^token=//p' "$T/home-admin/cairn/session")
expect_match "the session file holds a 64-hex token" "^[0-9a-f]{64}$" "$TOKEN"
if grep -q "$TOKEN" "$T"/cairnd.log; then
	not_ok "the server log holds no token"
else
	ok "the server log holds no token"
fi
if psql_cairn -c "SELECT count(*) FROM sessions WHERE token_hash = decode('$TOKEN', 'hex')" | grep -qx 0; then
	ok "the database holds the token's hash, not the token"
else
	not_ok "the database holds the token's hash, not the token"
fi

# Users.
expect_exit "admin adds alice" 0 sh -c "echo alice-password | XDG_CONFIG_HOME=$T/home-admin $BIN/cairn user add alice --name 'Alice A' --password-stdin"
expect_match "user add prints the id" "^[0-9]+$" "$OUT"
expect_exit "adding alice twice is E_CONFLICT" 6 sh -c "echo alice-password | XDG_CONFIG_HOME=$T/home-admin $BIN/cairn user add alice --name 'Alice A' --password-stdin"
expect_exit "a bad login is E_INVALID" 7 as admin user add 'Bad Login' --name x
expect_exit "an unknown role is E_INVALID" 7 as admin user add dave --name Dave --role wizard
expect_exit "admin adds bob with a generated password" 0 as admin --json user add bob --name Bob
BOB_PW=$(echo "$OUT" | json_field password)
expect_match "the generated password is returned once" "^.{12,}$" "$BOB_PW"
expect_eq "new users are members" "$(echo "$OUT" | json_field role)" "member"
expect_exit "bob logs in with it" 0 sh -c "echo '$BOB_PW' | XDG_CONFIG_HOME=$T/home-bob $BIN/cairn login bob --password-stdin"
expect_exit "alice logs in" 0 sh -c "echo alice-password | XDG_CONFIG_HOME=$T/home-alice $BIN/cairn login alice --password-stdin"
expect_exit "user list" 0 as alice user list
expect_match "user list shows bob" "bob" "$OUT"
expect_exit "user list --json" 0 as alice --json user list
expect_match "user list is a JSON array" '^\[\{' "$OUT"
expect_exit "user show" 0 as alice --json user show bob
expect_eq "user show login" "$(echo "$OUT" | json_field login)" "bob"
expect_exit "user show of nobody is E_NOT_FOUND" 5 as alice user show nobody

# Permissions: a member cannot administer.
expect_exit "a member cannot add users" 4 as alice user add eve --name Eve
expect_exit "a member cannot change roles" 4 as alice user set-role bob admin
expect_exit "a member cannot disable users" 4 as alice user disable bob
expect_exit "a member cannot enable users" 4 as alice user enable bob
expect_exit "a member cannot set another's password" 4 sh -c "echo new-password-1 | XDG_CONFIG_HOME=$T/home-alice $BIN/cairn passwd bob --password-stdin"
as admin --json user show bob >"$T/bob.json"
expect_eq "refused requests changed nothing" "$(json_field role <"$T/bob.json")" "member"
expect_exit "eve was not created" 5 as admin user show eve

# The last admin.
expect_exit "demoting the last admin is refused" 7 as admin --json user set-role root member
expect_match "... with E_RULE user.last_admin" '"code":"E_RULE".*"rule":"user.last_admin"|"rule":"user.last_admin".*"code":"E_RULE"' "$ERR"
expect_exit "disabling the last admin is refused" 7 as admin user disable root
expect_exit "root is still an enabled admin" 0 as admin --json whoami
expect_eq "root role unchanged" "$(echo "$OUT" | json_field role)" "admin"
expect_eq "root still enabled" "$(echo "$OUT" | json_field enabled)" "true"
expect_exit "promote alice" 0 as admin user set-role alice admin
expect_exit "alice's live session sees the new role" 0 as alice --json whoami
expect_eq "alice is admin" "$(echo "$OUT" | json_field role)" "admin"
expect_exit "now root may be demoted" 0 as alice user set-role root member
expect_exit "and promoted back" 0 as alice user set-role root admin
expect_exit "demote alice again" 0 as admin user set-role alice member

# The database refuses a broken state even without the server's check.
if psql_cairn -c "UPDATE users SET role = 'member' WHERE role = 'admin'" 2>"$T/psql.err"; then
	not_ok "the trigger refuses to leave no admin"
else
	expect_match "the trigger refuses to leave no admin" "user.last_admin" "$(< "$T/psql.err")"
fi

# Disabling revokes sessions.
expect_exit "bob's session works" 0 as bob whoami
expect_exit "admin disables bob" 0 as admin user disable bob
expect_exit "bob's session is revoked" 3 as bob whoami
expect_exit "bob cannot log in while disabled" 3 sh -c "echo '$BOB_PW' | XDG_CONFIG_HOME=$T/home-bob $BIN/cairn login bob --password-stdin"
expect_exit "admin enables bob" 0 as admin --json user enable bob
expect_eq "bob enabled" "$(echo "$OUT" | json_field enabled)" "true"
expect_exit "bob logs in again" 0 sh -c "echo '$BOB_PW' | XDG_CONFIG_HOME=$T/home-bob $BIN/cairn login bob --password-stdin"

# Passwords.
expect_exit "own password: wrong old password" 3 sh -c "printf 'not-it\nnew-password-1\n' | XDG_CONFIG_HOME=$T/home-alice $BIN/cairn passwd --password-stdin"
expect_exit "own password: too short" 7 sh -c "printf 'alice-password\nshort\n' | XDG_CONFIG_HOME=$T/home-alice $BIN/cairn passwd --password-stdin"
cp -p "$T/home-alice/cairn/session" "$T/alice-old-session"
expect_exit "alice opens a second session" 0 sh -c "echo alice-password | XDG_CONFIG_HOME=$T/home-alice2 $BIN/cairn login alice --password-stdin"
expect_exit "own password: changed" 0 sh -c "printf 'alice-password\nalice-password-2\n' | XDG_CONFIG_HOME=$T/home-alice $BIN/cairn passwd --password-stdin"
expect_exit "the session that changed it lives on" 0 as alice whoami
expect_exit "alice's other session is revoked" 3 as alice2 whoami
expect_exit "the old password no longer works" 3 sh -c "echo alice-password | XDG_CONFIG_HOME=$T/home-alice2 $BIN/cairn login alice --password-stdin"
expect_exit "the new one does" 0 sh -c "echo alice-password-2 | XDG_CONFIG_HOME=$T/home-alice2 $BIN/cairn login alice --password-stdin"
expect_exit "an admin sets bob's password" 0 sh -c "echo bob-password-2 | XDG_CONFIG_HOME=$T/home-admin $BIN/cairn passwd bob --password-stdin"
expect_exit "bob's sessions are revoked by it" 3 as bob whoami
expect_exit "bob logs in with the new password" 0 sh -c "echo bob-password-2 | XDG_CONFIG_HOME=$T/home-bob $BIN/cairn login bob --password-stdin"

# Expiry, made to happen in the real database.
psql_cairn -c "UPDATE sessions SET expires_at = now() - interval '1 second', created_at = now() - interval '2 seconds' WHERE user_id = (SELECT id FROM users WHERE login = 'bob') AND revoked_at IS NULL"
expect_exit "an expired session is refused" 3 as bob whoami
expect_exit "bob logs in again" 0 sh -c "echo bob-password-2 | XDG_CONFIG_HOME=$T/home-bob $BIN/cairn login bob --password-stdin"
psql_cairn -c "UPDATE sessions SET last_seen = now() - interval '2 days' WHERE user_id = (SELECT id FROM users WHERE login = 'bob') AND revoked_at IS NULL"
expect_exit "an idle session is refused" 3 as bob whoami
if psql_cairn -c "SELECT count(*) FROM sessions WHERE length(token_hash) <> 32" | grep -qx 0; then
	ok "only 32-byte token hashes are stored"
else
	not_ok "only 32-byte token hashes are stored"
fi

# Logout, and a saved token replayed after logout.
cp -p "$T/home-alice/cairn/session" "$T/alice-session"
expect_exit "alice logs out" 0 as alice logout
expect_exit "whoami after logout" 3 as alice whoami
mkdir -p "$T/home-replay/cairn" && cp -p "$T/alice-session" "$T/home-replay/cairn/session"
expect_exit "a logged-out token is refused" 3 as replay whoami

# Failed logins: slowed, then locked, then free again.
for i in 1 2 3 4; do
	echo wrong-password | XDG_CONFIG_HOME=$T/home-carol "$BIN/cairn" login bob --password-stdin >/dev/null 2>&1
done
expect_exit "locked out after repeated failures, even with the right password" 7 sh -c "echo bob-password-2 | XDG_CONFIG_HOME=$T/home-carol $BIN/cairn login bob --password-stdin"
expect_match "the lock-out says E_LIMIT-ish words" "too many failed logins" "$ERR"
# login_lockout is 3 s here: the right password works again once it ends
# (polled: a loaded machine may take longer than 3 s to get there).
sleep 2.5
if eventually 10 sh -c "echo bob-password-2 | XDG_CONFIG_HOME=$T/home-carol $BIN/cairn login bob --password-stdin"; then
	ok "after the lock-out the right password works"
else
	not_ok "after the lock-out the right password works" "$OUT $ERR"
fi

# TLS: a client that does not trust the server's CA stops.
expect_exit "a wrong CA is refused by the client" 8 as admin --ca "$T/other/ca.pem" whoami
expect_match "... saying why" "certificate" "$ERR"
expect_exit "no server is exit 8" 8 as admin --server 127.0.0.1:1 ping
expect_exit "the certificate names localhost too" 0 as admin --server "localhost:$PORT" ping
expect_exit "a saved token is not sent to another server" 3 as admin --server "localhost:$PORT" whoami

# TLS 1.2, where allowed, is Mozilla's intermediate profile: ECDHE with
# AES-GCM or ChaCha20-Poly1305 only, no session tickets or resumption, no
# renegotiation (issue 6 item 20).  A second cairnd over the same database
# allows TLS 1.2; openssl s_client plays the client that asks for more.
tls_hello() {	# tls_hello PORT s_client-args...: handshake, 0.5 s, quit
	local port=$1
	shift
	sleep 0.5 | openssl s_client -connect "127.0.0.1:$port" \
	    -CAfile "$T/certs/ca.pem" "$@" 2>&1
}
tls12_checks() {	# tls12_checks PORT
	local port=$1 c out
	for c in ECDHE-ECDSA-AES128-SHA ECDHE-ECDSA-AES256-SHA \
	    ECDHE-ECDSA-AES128-SHA256 ECDHE-ECDSA-AES256-SHA384; do
		out=$(tls_hello "$port" -tls1_2 -cipher "$c")
		if printf '%s' "$out" | grep -q "Cipher is (NONE)"; then
			ok "TLS 1.2 CBC suite $c is refused"
		else
			not_ok "TLS 1.2 CBC suite $c is refused" "$(printf '%s' "$out" | grep -E 'Cipher is|alert')"
		fi
	done
	for c in ECDHE-ECDSA-AES128-GCM-SHA256 ECDHE-ECDSA-AES256-GCM-SHA384 \
	    ECDHE-ECDSA-CHACHA20-POLY1305; do
		out=$(tls_hello "$port" -tls1_2 -cipher "$c")
		expect_match "TLS 1.2 AEAD suite $c is accepted" \
		    "New, TLSv1.2, Cipher is $c" "$out"
	done
	out=$(tls_hello "$port" -tls1_1)
	expect_match "TLS 1.1 is refused" "Cipher is \(NONE\)" "$out"
	for v in -tls1_2 -tls1_3; do
		rm -f "$T/tls.sess"
		out=$(tls_hello "$port" "$v" -sess_out "$T/tls.sess")
		if printf '%s' "$out" | grep -q "New, TLSv1.[23]" &&
		    ! printf '%s' "$out" | grep -qi "session ticket"; then
			ok "no session ticket ($v)"
		else
			not_ok "no session ticket ($v)" "$(printf '%s' "$out" | grep -iE 'ticket|Cipher is')"
		fi
		# Nor resumption by session id: a saved session starts anew.
		if [ -s "$T/tls.sess" ]; then
			out=$(tls_hello "$port" "$v" -sess_in "$T/tls.sess")
			if printf '%s' "$out" | grep -q "^Reused"; then
				not_ok "no session resumption ($v)"
			else
				ok "no session resumption ($v)"
			fi
		else
			ok "no session resumption ($v): nothing to resume"
		fi
	done
	out=$( (echo R; sleep 1) | openssl s_client -connect "127.0.0.1:$port" \
	    -CAfile "$T/certs/ca.pem" -tls1_2 2>&1)
	expect_match "TLS 1.2 renegotiation is refused" "no renegotiation" "$out"
}
PORT12=$((PORT + 11))
sed -e "s/^listen = .*/listen = 127.0.0.1:$PORT12/" -e "/^data_dir/d" \
    "$T/cairnd.conf" >"$T/cairnd12.conf"
printf 'db = host=%s user=cairn dbname=cairn\ntls_min_version = 1.2\n' \
    "$DATA" >>"$T/cairnd12.conf"
"$BIN/cairnd" --config "$T/cairnd12.conf" >"$T/cairnd12.log" 2>&1 &
PID12=$!
for i in $(seq 1 300); do
	as nobody --server "127.0.0.1:$PORT12" ping >/dev/null 2>&1 && break
	kill -0 "$PID12" 2>/dev/null || break
	sleep 0.1
done
expect_exit "a cairnd allowing TLS 1.2 starts" 0 as nobody --server "127.0.0.1:$PORT12" ping
tls12_checks "$PORT12"
kill -TERM "$PID12" 2>/dev/null
wait "$PID12"
# The TLS 1.3-only server, too, sends no ticket.
out=$(tls_hello "$PORT" -tls1_3)
if printf '%s' "$out" | grep -q "New, TLSv1.3" &&
    ! printf '%s' "$out" | grep -qi "session ticket"; then
	ok "no session ticket from the TLS 1.3-only server"
else
	not_ok "no session ticket from the TLS 1.3-only server" "$(printf '%s' "$out" | grep -iE 'ticket|Cipher is')"
fi
expect_match "the TLS 1.3-only server refuses TLS 1.2" "Cipher is \(NONE\)" "$(tls_hello "$PORT" -tls1_2)"

# The client's own refusals name the argument and the limit (issue 6
# item 21).  They are usage errors, found before anything is sent.
LONG=$(head -c 5000 /dev/zero | tr '\0' a)
expect_exit "a string over max_string is E_LIMIT" 7 as admin obj add --team nosuch --period nosuch --title "$LONG"
expect_match "... naming the argument and the limit" "argument 'title' is 5000 bytes; the server takes at most 4096 in one string \(max_string\)" "$ERR"
expect_exit "-inf as a positional number is a value" 2 as admin kr checkin 1 -inf
expect_match "... refused as a value, not an unknown option" "value wants a finite number, not '-inf'" "$ERR"
expect_exit "-Infinity as an option's number" 2 as admin kr add 1 --title K --type increase --target -Infinity
expect_match "... names the option" "option --target wants a finite number, not '-Infinity'" "$ERR"
expect_exit "nan is refused" 2 as admin kr checkin 1 nan
expect_match "... naming the argument" "value wants a finite number, not 'nan'" "$ERR"
expect_exit "-5 is read as a value (the KR is then missing)" 5 as admin kr checkin 999999 -5
expect_exit "so is an option's -5" 5 as admin kr add 999999 --title K --type decrease --target -5 --start -1
expect_exit "1e-400 (underflow) is refused, not sent as 0" 2 as admin kr checkin 1 1e-400
expect_match "... naming the argument and the limit" "value: '1e-400' is too small .*2.22507e-308" "$ERR"
expect_exit "a subnormal is refused too" 2 as admin kr checkin 1 -4e-320
expect_match "... naming the argument" "value: '-4e-320' is too small" "$ERR"
expect_exit "1e400 (overflow) is refused" 2 as admin kr checkin 1 1e400
expect_match "... naming the argument and the limit" "value: '1e400' is too large \(at most 1.79769e\+308" "$ERR"
expect_exit "an option's 1e400 too" 2 as admin obj add --team t --period p --title x --weight 1e400
expect_match "... names the option" "option --weight: '1e400' is too large" "$ERR"
expect_exit "0e-999 is 0, not an underflow" 5 as admin kr checkin 999999 0e-999
expect_exit "an integer out of int64 range" 2 as admin kr checkin 1 5 --confidence 99999999999999999999
expect_match "... names the option and the range" "option --confidence wants an integer from -9223372036854775808 to 9223372036854775807" "$ERR"
expect_exit "an id of 0" 2 as admin obj show 0
expect_match "... names the argument and the range" "id wants a positive integer \(1 to 9223372036854775807\), not '0'" "$ERR"
expect_exit "a missing argument is named" 2 as admin user show
expect_match "... by its name" "missing argument 'login'" "$ERR"
expect_exit "2026-02-30 is refused by the client" 2 as admin period add feb30 --start 2026-02-30 --end 2026-12-31
expect_match "... naming the argument and the month's days" "option --start: '2026-02-30' is no date \(2026-02 has 28 days\)" "$ERR"
expect_exit "feb30 was not created" 0 as admin --json period list
if printf '%s' "$OUT" | grep -q feb30; then
	not_ok "... and nothing was created"
else
	ok "... and nothing was created"
fi
expect_exit "month 13 is refused" 2 as admin period add m13 --start 2026-01-01 --end 2026-13-01
expect_match "... naming the argument" "option --end: '2026-13-01' is no date \(months are 01 to 12\)" "$ERR"
expect_exit "a leap day is a date" 0 as admin audit --since 2028-02-29 --limit 1
expect_exit "2000-02-29 is one (400-year rule)" 0 as admin audit --since 2000-02-29 --limit 1
expect_exit "2027-02-29 is not" 2 as admin audit --since 2027-02-29
expect_match "... naming the argument" "option --since: '2027-02-29' is no date \(2027-02 has 28 days\)" "$ERR"
expect_exit "2100-02-29 is not (100-year rule)" 2 as admin audit --since 2100-02-29
expect_exit "the year range" 2 as admin audit --since 1899-12-31
expect_match "... is named" "option --since wants a date from 1900-01-01 to 9999-12-31" "$ERR"
expect_exit "not YYYY-MM-DD" 2 as admin audit --since 2026-1-1
expect_match "... names the argument and the format" "option --since wants a date YYYY-MM-DD, not '2026-1-1'" "$ERR"
expect_exit "a password over the client's buffer" 2 sh -c "printf '%05000d' 0 | XDG_CONFIG_HOME=$T/home-carol $BIN/cairn login root --password-stdin"
expect_match "... names the limit" "password too long: more than 4095 bytes \(at most 1024\)" "$ERR"
