#!/bin/sh
# Install the Debian 12 packages cairn needs, only those that are missing.
# Usage: deps.sh [fuzz]
# Runs as root (apt-get); as another user it only reports what is missing.
set -e

PKGS="gcc make pkg-config openssl libevent-dev libssl-dev libmsgpack-dev
libpq-dev libcmocka-dev libargon2-dev libcurl4-openssl-dev postgresql-15
postgresql-client-15 chromium jq python3 prometheus prometheus-pushgateway
opensmtpd dpkg-dev debhelper lintian scdoc man-db zsh systemd adduser git
haproxy patroni etcd-server"
# chromium: tests/e2e/demo-report.sh renders cairn report's page headless.
# jq: the end-to-end suites read cairn's --json output with it (lib.sh);
# python3: their raw-protocol clients and export comparisons;
# prometheus, prometheus-pushgateway: prom.sh reads a real Prometheus;
# metrics.sh has one scrape cairnd, and lints its text with promtool
# (part of the prometheus package);
# opensmtpd: notify.sh delivers mail through a real MTA (STARTTLS);
# dpkg-dev, debhelper, lintian: package.sh builds, checks and installs the
# Debian packages; scdoc: make man; man-db (man --warnings), zsh (the zsh
# completion), systemd (systemd-analyze verify), adduser (the package's
# postinst): package.sh checks what it installs with them; git: it
# builds the packages in a copy of what git tracks.
# haproxy: haproxy.sh and the bench's ha section put two cairnd behind it
# (each run starts its own, with its own configuration).
# patroni, etcd-server: patroni.sh runs the failover configuration of
# docs/operations.md (two Patroni nodes and one etcd on loopback ports).
# "deps.sh fuzz" (make fuzz) adds clang and its sanitizer and libFuzzer
# runtimes, which clang only recommends.
if [ "${1:-}" = fuzz ]; then
	PKGS="$PKGS clang libclang-rt-dev"
fi

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
	    grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "cairn: missing Debian packages:$missing" >&2
	echo "cairn: run as root, or: sudo apt-get install$missing" >&2
	exit 1
fi
echo "cairn: installing$missing"
# cairn runs its own private cluster: do not let the package create and
# start a system-wide one on port 5432.
if [ ! -e /etc/postgresql-common/createcluster.conf ]; then
	mkdir -p /etc/postgresql-common
	echo "create_main_cluster = false" > /etc/postgresql-common/createcluster.conf
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends $missing >/dev/null
# The haproxy package enables a system-wide service: the tests run their
# own HAProxy, so stop and disable it (where systemd runs; elsewhere the
# package could not start it).
case " $missing " in
*" haproxy "*)
	if [ -d /run/systemd/system ]; then
		systemctl disable --now haproxy >/dev/null 2>&1 || true
	fi
	;;
esac
