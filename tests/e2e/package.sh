# package.sh: the Debian packages an operator installs (sourced by
# suite.sh; issue 17, docs/operations.md "Packages" and "Installing").
#
# Builds cairnd and cairn-client with dpkg-buildpackage in a copy of the
# tree (a git repository of its own, so that a build product outside the
# ignored directories shows up), lints them, installs them on this
# machine (CI runs as root on a throwaway one), checks the account, the
# files, the unit, the man pages and the completions, starts the
# installed cairnd against this suite's cluster over TCP (an external
# database to it), as root (it drops to cairn) and as the unit would
# start it, then purges them.  The purge runs on any exit.
#
# It takes the machine's account "cairn" as its own: one left by an
# earlier run is deleted before the install, so that the check that the
# postinst creates it can fail.  Runs of this suite on one machine take
# turns (a lock) from the install to the purge.

if [ "$(id -u)" != 0 ]; then
	not_ok "package: runs as root (it installs the packages, as in CI)"
	return 0 2>/dev/null || exit 0
fi

PK=$T/pkg
mkdir -p "$PK/src"
ARCH=$(dpkg --print-architecture)
CA=$T/certs/ca.pem
PG_PORT=$((PORT + 2))		# this suite's cluster, over TCP
PK_PORT=$((PORT + 3))		# the installed cairnd
PK_ADDR=127.0.0.1:$PK_PORT
PK_PID=
PK_INSTALLED=

# Whatever this suite started or installed goes, whichever way it ends.
pkg_cleanup() {
	[ -n "$PK_PID" ] && kill -TERM "$PK_PID" 2>/dev/null && wait "$PK_PID"
	PK_PID=
	[ -f "$DATA/pgdata/postmaster.pid" ] &&
	    pg_as_owner "$PGBIN/pg_ctl" stop -D "$DATA/pgdata" -m fast -w -s >/dev/null 2>&1
	if [ -n "$PK_INSTALLED" ]; then
		rm -f /etc/cairn/server.pem /etc/cairn/server.key
		DEBIAN_FRONTEND=noninteractive apt-get purge -y -q \
		    -o DPkg::Lock::Timeout=300 cairnd cairn-client >"$PK/purge.log" 2>&1
		PK_INSTALLED=
	fi
}
trap 'pkg_cleanup; cleanup' EXIT

# pk_cairn ARGS: the installed client, with this suite's session.
pk_cairn() {
	XDG_CONFIG_HOME=$PK/home /usr/bin/cairn --server "$PK_ADDR" --ca "$CA" "$@"
}

# pk_wait_up PID: the installed cairnd answers ping within 60 s.
pk_wait_up() {
	local end=$(( ${EPOCHREALTIME/./} + 60000000 ))
	while :; do
		pk_cairn ping >/dev/null 2>&1 && return 0
		kill -0 "$1" 2>/dev/null || return 1
		[ "${EPOCHREALTIME/./}" -ge "$end" ] && return 1
		sleep 0.2
	done
}

echo "== build: dpkg-buildpackage -us -uc -b in a copy of the tree"
# What git tracks or would (not what it ignores: build, var, certs' keys);
# a tree that is no git checkout is copied without its build directories.
if git -C "$ROOT" rev-parse --git-dir >/dev/null 2>&1; then
	(cd "$ROOT" && git ls-files -co --exclude-standard -z |
	    tar --null --ignore-failed-read -T - -cf -) | tar -C "$PK/src" -xf -
else
	tar -C "$ROOT" --exclude=./.git --exclude=./build --exclude='./build-*' \
	    --exclude=./var --exclude=./var-secrets -cf - . | tar -C "$PK/src" -xf -
fi
(cd "$PK/src" && git init -q && git add -A &&
    git -c user.name=package.sh -c user.email=package.sh@localhost \
    commit -q -m copy) >"$PK/git.log" 2>&1 ||
    not_ok "the copy of the tree is a git repository" "$(< "$PK/git.log")"
t0=$(date +%s)
if (cd "$PK/src" && dpkg-buildpackage -us -uc -b -jauto) >"$PK/build.log" 2>&1; then
	ok "dpkg-buildpackage builds the packages ($(( $(date +%s) - t0 )) s)"
else
	not_ok "dpkg-buildpackage builds the packages" "$(tail -30 "$PK/build.log")"
fi
expect_eq "the build changes no tracked file and leaves its products in ignored directories" \
    "$(cd "$PK/src" && git status --porcelain)" ""
DEB_D=$PK/cairnd_$(sed -n '1s/.*(\(.*\)).*/\1/p' "$ROOT/debian/changelog")_$ARCH.deb
DEB_C=${DEB_D/cairnd_/cairn-client_}
CHANGES=${DEB_D/cairnd_/cairn_}
CHANGES=${CHANGES%.deb}.changes
for f in "$DEB_D" "$DEB_C" "$CHANGES"; do
	[ -f "$f" ] && ok "... ${f##*/} is made" || not_ok "... ${f##*/} is made" "$(ls "$PK")"
done
expect_eq "the package's version is cairnd's" \
    "cairnd $(dpkg-deb -f "$DEB_D" Version 2>/dev/null)" "$("$BIN/cairnd" --version)"

echo "== make install PREFIX=/usr/local DESTDIR=... (the package build's binaries)"
DD=$PK/destdir
if make -s -C "$PK/src" --no-print-directory BUILD=build-deb PREFIX=/usr/local \
    DESTDIR="$DD" install >"$PK/install-make.log" 2>&1; then
	ok "make install succeeds"
else
	not_ok "make install succeeds" "$(tail -10 "$PK/install-make.log")"
fi
want="etc/cairn/cairnd.conf
usr/local/bin/cairn
usr/local/lib/systemd/system/cairnd.service
usr/local/sbin/cairnd
usr/local/share/bash-completion/completions/cairn
usr/local/share/cairn/certs/make-dev-certs.sh
usr/local/share/man/man1/cairn.1
usr/local/share/man/man5/cairnd.conf.5
usr/local/share/man/man8/cairnd.8
usr/local/share/zsh/site-functions/_cairn"
expect_eq "... installs the binaries (cairnd under sbin), man pages, completions, unit and config" \
    "$(cd "$DD" 2>/dev/null && find . -type f | sed 's|^\./||' | sort)" "$want"
expect_eq "... the unit runs the cairnd it installed, with the config it installed" \
    "$(sed -n 's/^ExecStart=//p' "$DD/usr/local/lib/systemd/system/cairnd.service")" \
    "/usr/local/sbin/cairnd --config /etc/cairn/cairnd.conf"
echo "# edited" >> "$DD/etc/cairn/cairnd.conf"
make -s -C "$PK/src" --no-print-directory BUILD=build-deb PREFIX=/usr/local \
    DESTDIR="$DD" install >"$PK/install-make.log" 2>&1
expect_eq "... and a second install keeps an edited config" "$(tail -1 "$DD/etc/cairn/cairnd.conf")" "# edited"

echo "== lintian"
lintian --fail-on error --display-info "$CHANGES" >"$PK/lintian.log" 2>&1
rc=$?
sed -e '/running with root privileges/d' -e 's/^/# lintian: /' "$PK/lintian.log"
if [ "$rc" = 0 ] && ! grep -q '^E: ' "$PK/lintian.log"; then
	ok "lintian reports no error on the .changes and its packages"
else
	not_ok "lintian reports no error on the .changes and its packages" "$(grep '^E: ' "$PK/lintian.log")"
fi

echo "== install"
exec {PK_LOCK}>/tmp/cairn-e2e-package.lock
if ! flock -w 900 "$PK_LOCK"; then
	not_ok "the package lock is free within 15 min (another run installs)"
	return 0 2>/dev/null || exit 0
fi
# Left by an interrupted run: purge, and forget the account.
if dpkg-query -W -f '${Status}' cairnd cairn-client 2>/dev/null | grep -q installed; then
	DEBIAN_FRONTEND=noninteractive apt-get purge -y -q -o DPkg::Lock::Timeout=300 \
	    cairnd cairn-client >/dev/null 2>&1
fi
getent passwd cairn >/dev/null && userdel cairn
getent group cairn >/dev/null && groupdel cairn
rm -f /etc/cairn/server.pem /etc/cairn/server.key
PK_INSTALLED=1
# --no-remove: an install that would take away any package (the build's
# own libraries, say) stops instead.
if DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-remove \
    -o DPkg::Lock::Timeout=300 "$DEB_D" "$DEB_C" >"$PK/install.log" 2>&1; then
	ok "apt-get installs both packages"
else
	not_ok "apt-get installs both packages" "$(tail -20 "$PK/install.log")"
fi

IFS=: read -r _ _ uid gid _ home shell <<< "$(getent passwd cairn)"
if [ -n "$uid" ] && [ "$uid" -lt 1000 ]; then
	ok "the postinst makes the system account cairn (uid $uid)"
else
	not_ok "the postinst makes the system account cairn" "uid '$uid'"
fi
expect_eq "... with its own group" "$(getent group cairn | cut -d: -f3)" "$gid"
expect_eq "... home /var/lib/cairn, no login shell" "$home $shell" "/var/lib/cairn /usr/sbin/nologin"
expect_eq "/var/lib/cairn is the account's alone (0700)" "$(stat -c '%a %U %G' /var/lib/cairn)" "700 cairn cairn"
expect_eq "/etc/cairn/cairnd.conf is readable by the account, not by others" \
    "$(stat -c '%a %U %G' /etc/cairn/cairnd.conf)" "640 root cairn"
expect_eq "... and so is /etc/cairn" "$(stat -c '%a %U %G' /etc/cairn)" "750 root cairn"
expect_eq "the package's conffile is /etc/cairn/cairnd.conf" \
    "$(dpkg-query -W -f '${Conffiles}' cairnd | awk '{ print $1 }' | tr -d '\n')" /etc/cairn/cairnd.conf

echo "== files where the unit says"
UNIT=/lib/systemd/system/cairnd.service
unit_get() { sed -n "s/^$1=//p" "$UNIT" | head -1; }
exec_start=$(unit_get ExecStart)
bin=${exec_start%% *}
conf=$(sed -n 's/.*--config \([^ ]*\).*/\1/p' <<< "$exec_start")
[ -x "$bin" ] && ok "ExecStart's $bin is installed" || not_ok "ExecStart's binary is installed" "$exec_start"
[ -f "$conf" ] && ok "... and its --config $conf" || not_ok "ExecStart's --config file is installed" "$exec_start"
expect_eq "User= is the account the postinst made" "$(unit_get User) $(unit_get Group)" "cairn cairn"
[ -d "$(unit_get WorkingDirectory)" ] && ok "WorkingDirectory= exists" || not_ok "WorkingDirectory= exists" "$(unit_get WorkingDirectory)"
[ -d "$(unit_get ReadWritePaths)" ] && ok "ReadWritePaths= exists" || not_ok "ReadWritePaths= exists" "$(unit_get ReadWritePaths)"
[ -x /usr/bin/cairn ] && ok "cairn is in /usr/bin" || not_ok "cairn is in /usr/bin"
[ -x /usr/share/cairn/certs/make-dev-certs.sh ] && ok "make-dev-certs.sh is installed" || not_ok "make-dev-certs.sh is installed"
[ -L /etc/systemd/system/multi-user.target.wants/cairnd.service ] &&
    ok "the unit is enabled" || not_ok "the unit is enabled"
out=$(systemd-analyze verify "$UNIT" 2>&1)
expect_eq "systemd-analyze verify passes on the installed unit" "$?:$out" "0:"
sec=$(systemd-analyze security --offline=yes "$UNIT" 2>&1 | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
if [ -n "$sec" ] && awk -v s="$sec" 'BEGIN { exit !(s < 3.0) }'; then
	ok "systemd-analyze security rates its exposure below 3.0 ($sec)"
else
	not_ok "systemd-analyze security rates its exposure below 3.0" "'$sec'"
fi

echo "== man pages"
for page in man1/cairn.1 man8/cairnd.8 man5/cairnd.conf.5; do
	f=/usr/share/man/$page.gz
	out=$(man --warnings -l "$f" 2>&1 >/dev/null)
	expect_eq "man --warnings: $page has no warning" "$?:$out" "0:"
done
expect_eq "man finds cairnd(8) and cairnd.conf(5) by name" \
    "$(man -w 8 cairnd) $(man -w 5 cairnd.conf)" \
    "/usr/share/man/man8/cairnd.8.gz /usr/share/man/man5/cairnd.conf.5.gz"
text5=$(MANWIDTH=200 man --nh --nj -l /usr/share/man/man5/cairnd.conf.5.gz 2>/dev/null)
text8=$(MANWIDTH=200 man --nh --nj -l /usr/share/man/man8/cairnd.8.gz 2>/dev/null)
text1=$(MANWIDTH=200 man --nh --nj -l /usr/share/man/man1/cairn.1.gz 2>/dev/null)
# Every setting of server/config.c's table (read from the source, not
# from the dump the page is made from) in cairnd.conf(5), and as an
# option in cairnd(8).
settings=$(sed -n -e 's/^[[:space:]]*S(\([a-z0-9_]*\),.*/\1/p' \
    -e 's/^[[:space:]]*{ "\([a-z0-9_]*\)", C_.*/\1/p' "$ROOT/server/config.c")
n=$(wc -w <<< "$settings")
missing5= missing8=
for s in $settings; do
	grep -q "^ *$s\b" <<< "$text5" || missing5="$missing5 $s"
	grep -q "^ *--${s//_/-} " <<< "$text8" || missing8="$missing8 $s"
done
[ "$n" -gt 40 ] && [ -z "$missing5" ] &&
    ok "every one of config.c's $n settings is in cairnd.conf(5)" ||
    not_ok "every one of config.c's settings is in cairnd.conf(5)" "$n read; missing:$missing5"
[ "$n" -gt 40 ] && [ -z "$missing8" ] &&
    ok "... and is an option in cairnd(8)" ||
    not_ok "... and is an option in cairnd(8)" "missing:$missing8"
grep -q "^ *no_such_setting\b" <<< "$text5" &&
    not_ok "... (the check finds no setting that is not there)" ||
    ok "... (the check finds no setting that is not there)"
# Every command of client/commands.c's table in cairn(1).
cmds=$(sed -n -e 's/^[[:space:]]*\.name = "\([^"]*\)", \.sub = "\([^"]*\)".*/\1 \2/p' \
    -e 's/^[[:space:]]*\.name = "\([^"]*\)",$/\1/p' "$ROOT/client/commands.c")
n=$(grep -c . <<< "$cmds")
missing=
while read -r c; do
	grep -q "^ *cairn $c\b" <<< "$text1" || missing="$missing; $c"
done <<< "$cmds"
[ "$n" -gt 50 ] && [ -z "$missing" ] &&
    ok "every one of commands.c's $n commands is in cairn(1)" ||
    not_ok "every one of commands.c's commands is in cairn(1)" "$n read; missing$missing"

echo "== completion"
comp_bash() {
	bash --norc -c '. /usr/share/bash-completion/completions/cairn
	    COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _cairn
	    echo "${COMPREPLY[*]}"' comp "$@"
}
expect_eq "bash: the completion is registered for cairn" \
    "$(bash --norc -c '. /usr/share/bash-completion/completions/cairn; complete -p cairn')" \
    "complete -F _cairn cairn"
expect_eq "bash: cairn us<TAB> completes the command user" "$(comp_bash cairn us)" user
expect_eq "bash: cairn team member <TAB> offers its subcommands" "$(comp_bash cairn team member '')" "add rm"
expect_match "bash: cairn user add LOGIN --<TAB> offers its options and the global ones" \
    "^--name --role --password-stdin --server" "$(comp_bash cairn user add bob --)"
expect_eq "bash: nothing for a word no command starts with" "$(comp_bash cairn zzz)" ""
# zsh, with compadd and _files standing in for the completion system's
# (which filters by the word typed; these print every candidate).
comp_zsh() {
	zsh -f -c 'compadd() { local a; while [[ $1 == -* ]]; do case $1 in
	    -d) shift 2 ;; -a) shift; for a; do print -r -- ${(P)a}; done;
	    return ;; --) shift; break ;; *) shift ;; esac; done;
	    print -r -- "$@"; }
	    _files() { print FILES; }
	    words=("$@"); CURRENT=$#
	    source /usr/share/zsh/vendor-completions/_cairn' comp "$@"
}
expect_eq "zsh: cairn team member <TAB> offers its subcommands" "$(comp_zsh cairn team member '')" "add rm"
expect_match "zsh: cairn <TAB> offers the commands" "^help login logout .* user team " "$(comp_zsh cairn '')"
expect_eq "zsh: a value of --ca completes files" "$(comp_zsh cairn --ca '')" FILES
expect_eq "the zsh completion's first line declares it for cairn" \
    "$(head -1 /usr/share/zsh/vendor-completions/_cairn)" "#compdef cairn"

# The generators refuse a table they would turn into a wrong page or
# completion, rather than make one.
printf 'global\t--x=\ncommand\ta\t\t--x\t\tone\n' > "$PK/conflict.tsv"
expect_exit "completion.sh refuses an option that is a flag in one command and takes a value in another" \
    1 sh "$ROOT/contrib/completion.sh" bash "$PK/conflict.tsv"
expect_match "... naming it" "--x is a flag in one command and takes a value in another" "$ERR"
printf 'command\ta\tb\n' > "$PK/short.tsv"
expect_exit "gen.sh refuses a row of the wrong shape" 1 sh "$ROOT/docs/man/gen.sh" commands \
    "$ROOT/docs/man/cairn.1.scd.in" "$PK/short.tsv"
expect_match "... saying so" "line 1: want 6 fields, got 3" "$ERR"
: > "$PK/empty.tsv"
expect_exit "gen.sh refuses an empty table" 1 sh "$ROOT/docs/man/gen.sh" settings \
    "$ROOT/docs/man/cairnd.conf.5.scd.in" "$PK/empty.tsv"
expect_match "... saying so" "the table is empty" "$ERR"

echo "== the unit's condition: no database named, no start"
cond=$(unit_get ExecCondition)
out=$(eval "setpriv --reuid=cairn --regid=cairn --init-groups $cond" 2>&1)
rc=$?
expect_eq "as installed (no db), ExecCondition stops the start" "$rc" 1
expect_match "... saying why" "names no database \\(db or data_dir\\): not starting" "$out"

echo "== the installed cairnd against an external database"
# This suite's cluster, which its cairnd ran, now run by us with TCP on
# (trust on 127.0.0.1, as initdb -A trust writes it): to the installed
# cairnd a database like any other.
[ -n "$SERVER_PID" ] && stop_server
pg_as_owner "$PGBIN/pg_ctl" start -D "$DATA/pgdata" -w -s -l "$DATA/postgres.log" \
    -o "-c listen_addresses=127.0.0.1 -p $PG_PORT" >/dev/null 2>&1 ||
    not_ok "the cluster starts with TCP on port $PG_PORT" "$(tail -5 "$DATA/postgres.log")"
# As an operator would: the certificate and key in /etc/cairn, readable
# by the account; the database and the address in the config.
install -m 0640 -g cairn "$T/certs/server.pem" /etc/cairn/server.pem
install -m 0640 -g cairn "$T/certs/server.key" /etc/cairn/server.key
sed -i "s/^listen = .*/listen = $PK_ADDR/" /etc/cairn/cairnd.conf
echo "db = host=127.0.0.1 port=$PG_PORT user=cairn dbname=cairn connect_timeout=10" >> /etc/cairn/cairnd.conf
out=$(eval "setpriv --reuid=cairn --regid=cairn --init-groups $cond" 2>&1)
expect_eq "with db set, ExecCondition lets it start" "$?" 0

# 1. By hand, as root: cairnd drops to the account itself.
(cd / && exec "$bin" --config "$conf") >"$PK/cairnd-root.log" 2>&1 &
PK_PID=$!
if pk_wait_up "$PK_PID"; then
	ok "the installed cairnd, started as root, serves"
else
	not_ok "the installed cairnd, started as root, serves" "$(tail -20 "$PK/cairnd-root.log")"
fi
expect_eq "... as cairn (real, effective, saved, fs uid)" \
    "$(awk '/^Uid:/ { print $2, $3, $4, $5 }' "/proc/$PK_PID/status" 2>/dev/null)" "$uid $uid $uid $uid"
expect_log "... and says so" "serving as cairn \\(uid $uid" "$PK/cairnd-root.log"
echo "$ADMIN_PW" | pk_cairn login root --password-stdin >/dev/null 2>"$T/stderr" &&
    ok "the installed cairn logs in" || not_ok "the installed cairn logs in" "$(< "$T/stderr")"
expect_eq "... and reads: whoami" "$(pk_cairn --json whoami 2>&1 | json_field login)" root
expect_match "... and the users" '"login": ?"root"' "$(pk_cairn --json user list 2>&1)"
kill -TERM "$PK_PID"
wait "$PK_PID"
expect_eq "SIGTERM stops it with status 0" "$?" 0
PK_PID=

# 2. As the unit starts it.  Where systemd runs, the unit itself; where
# it does not (a container: no systemd as PID 1), its ExecStart as its
# User= and Group=, with no capability and no new privileges, in its
# WorkingDirectory and UMask.
if [ -d /run/systemd/system ]; then
	echo "# systemd runs: starting cairnd.service itself"
	systemctl daemon-reload
	systemctl start cairnd.service
	PK_MAIN=$(systemctl show -p MainPID --value cairnd.service)
	eventually 60 pk_cairn ping && ok "cairnd.service serves" ||
	    not_ok "cairnd.service serves" "$(journalctl -u cairnd -n 20 --no-pager)"
	expect_eq "... as cairn" "$(ps -o user= -p "$PK_MAIN" | tr -d ' ')" cairn
	expect_exit "... and the client reads through it" 0 pk_cairn whoami
	systemctl reload cairnd.service
	expect_exit "systemctl reload (SIGHUP) keeps it serving" 0 pk_cairn whoami
	systemctl stop cairnd.service
	expect_eq "systemctl stop ends it cleanly" "$(systemctl show -p Result --value cairnd.service)" success
else
	echo "# no systemd as PID 1 here: ExecStart run as the unit's User=, Group=, without capabilities"
	(cd "$(unit_get WorkingDirectory)" && umask "$(unit_get UMask)" &&
	    exec env HOME=/var/lib/cairn USER=cairn LOGNAME=cairn \
	    setpriv --reuid=cairn --regid=cairn --init-groups --no-new-privs \
	    --inh-caps=-all --bounding-set=-all $exec_start) >"$PK/cairnd-unit.log" 2>&1 &
	PK_PID=$!
	if pk_wait_up "$PK_PID"; then
		ok "ExecStart as the unit's account serves"
	else
		not_ok "ExecStart as the unit's account serves" "$(tail -20 "$PK/cairnd-unit.log")"
	fi
	expect_eq "... with no capability" "$(awk '/^CapEff:|^CapBnd:/ { printf "%s ", $2 }' "/proc/$PK_PID/status" 2>/dev/null)" \
	    "0000000000000000 0000000000000000 "
	expect_exit "... and the client reads through it" 0 pk_cairn whoami
	kill -HUP "$PK_PID"	# ExecReload
	expect_log "ExecReload's SIGHUP reloads the certificate, read as cairn" \
	    "certificate and key reloaded" "$PK/cairnd-unit.log"
	kill -TERM "$PK_PID"	# KillSignal
	wait "$PK_PID"
	expect_eq "KillSignal's SIGTERM stops it with status 0" "$?" 0
	PK_PID=
fi

echo "== purge"
pkg_cleanup
if grep -q "Purging configuration files for cairnd" "$PK/purge.log"; then
	ok "apt-get purge removes both packages"
else
	not_ok "apt-get purge removes both packages" "$(tail -10 "$PK/purge.log")"
fi
left=
for f in /usr/sbin/cairnd /usr/bin/cairn "$UNIT" /etc/cairn \
    /etc/systemd/system/multi-user.target.wants/cairnd.service /var/lib/cairn; do
	[ -e "$f" ] || [ -L "$f" ] && left="$left $f"
done
expect_eq "nothing of them is left (the account stays, as Debian leaves them)" "$left" ""
flock -u "$PK_LOCK"
# The machine can still build the tree: the install took nothing away.
pkgs=$(make -s -C "$ROOT" --no-print-directory --eval 'pkgs: ; @echo $(PKGS)' pkgs)
if [ -n "$pkgs" ] && pkg-config --exists $pkgs && command -v pg_config >/dev/null; then
	ok "the build's libraries are all still installed ($pkgs)"
else
	not_ok "the build's libraries are all still installed" "$pkgs"
fi
