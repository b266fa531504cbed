# devrun.sh: make run's file handling as root (tests/run-dev.sh, issue 13
# item 15).  As root the data directory belongs to the cluster's account
# (postgres), which may plant links in it: one at admin-password.tmp used
# to make make run overwrite a root-only file, one in place of demo-logins
# to make it print one.  run-dev.sh runs here with CAIRN_DEV_SETUP_ONLY=1,
# which stops it before it serves; nothing else differs from make run.
# Sourced by suite.sh; needs no other suite.

if [ "$(id -u)" != 0 ] || ! id postgres >/dev/null 2>&1; then
	echo "# devrun: needs root and the postgres account; skipped"
else
	DV=$T/dev
	mkdir -p "$DV" && chmod 755 "$DV"
	# The data directory as cairnd leaves it: the cluster account's, 0700.
	mkdir "$DV/var" && chown postgres: "$DV/var" && chmod 700 "$DV/var"
	printf 'root only A\n' > "$DV/root-only-a"
	printf 'root only B: dev-s3cret-b\n' > "$DV/root-only-b"
	chmod 600 "$DV/root-only-a" "$DV/root-only-b"
	runuser -u postgres -- ln -s "$DV/root-only-a" "$DV/var/admin-password.tmp"

	dv_run() {	# run-dev.sh's setup as make run runs it, from the checkout
		(cd "$ROOT" && CAIRN_DATA_DIR="$DV/var" CAIRN_DEV_SETUP_ONLY=1 \
		    sh tests/run-dev.sh "$BIN")
	}
	expect_exit "make run's setup, postgres having linked admin-password.tmp to a root-only file" 0 dv_run
	expect_eq "... the root-only file is untouched" "$(< "$DV/root-only-a")" "root only A"
	expect_eq "... the admin's password is root's, 0600, in a root 0700 directory beside the data" \
	    "$(stat -c '%U %a' "$DV/var-secrets/admin-password") $(stat -c '%U %a' "$DV/var-secrets")" \
	    "root 600 root 700"
	dv_printed() {	# dv_printed NAME: OUT shows the first line of its own demo-logins
		local line
		line=$(head -1 "$DV/var-secrets/demo-logins" 2>/dev/null)
		if [ -n "$line" ] && printf '%s' "$OUT" | grep -qF -- "$line"; then
			ok "$1"
		else
			not_ok "$1" "'$line' not in: $OUT"
		fi
	}
	dv_printed "... the demo's logins are printed"
	expect_match "... the password is the one generated (24 base64 characters)" \
	    '^[A-Za-z0-9+/]{24}$' "$(< "$DV/var-secrets/admin-password")"
	expect_eq "... the sources' secret key is made there too: root's, 0400, 64 hex characters" \
	    "$(stat -c '%U %a' "$DV/var-secrets/secret.key") $(grep -cE '^[0-9a-f]{64}$' "$DV/var-secrets/secret.key")" \
	    "root 400 1"

	runuser -u postgres -- sh -c "rm -f '$DV/var/demo-logins' &&
	    ln -s '$DV/root-only-b' '$DV/var/demo-logins'"
	expect_exit "make run's setup again, postgres having put a link to a root-only file at demo-logins" 0 dv_run
	if printf '%s' "$OUT$ERR" | grep -q dev-s3cret-b; then
		not_ok "... does not print the root-only file" "$OUT"
	else
		ok "... does not print the root-only file"
	fi
	dv_printed "... prints the demo's logins from its own copy"

	# A checkout from before var-secrets: its files are taken over, but a
	# link found there is removed, never read.
	rm -f "$DV/var-secrets/demo-logins"
	expect_exit "make run's setup with no demo-logins of its own and the link in the data directory" 0 dv_run
	if printf '%s' "$OUT$ERR" | grep -q dev-s3cret-b; then
		not_ok "... does not print the root-only file" "$OUT"
	else
		ok "... does not print the root-only file"
	fi
	expect_match "... says it removed the link unread" "demo-logins was a link.*removed unread" "$ERR"
	expect_eq "... and keeps no link" "$(find "$DV/var-secrets" -type l | wc -l)" 0

	# The secrets directory itself replaced by a link: refused.
	mv "$DV/var-secrets" "$DV/secrets-moved"
	ln -s "$DV/secrets-moved" "$DV/var-secrets"
	expect_exit "make run's setup with var-secrets a link is refused" 1 dv_run
	expect_match "... saying so" "must be a directory of root, not a link" "$ERR"
fi
