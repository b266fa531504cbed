#!/bin/sh
# gen.sh KIND TEMPLATE TABLE: a man page's scdoc source, TEMPLATE with its
# generated part filled in from a table the binaries print, so that the
# pages cannot drift from the code:
#
#   settings  @SETTINGS@ <- cairnd --dump-settings   (cairnd.conf(5))
#   options   @OPTIONS@  <- cairnd --dump-settings   (cairnd(8))
#   commands  @COMMANDS@ <- cairn --commands         (cairn(1))
#
# The tables are tab-separated (server/config.c config_dump_settings,
# client/cairn.c print_commands).  Text from them is escaped for scdoc
# (\ * _), and a table with no rows, or a row of the wrong shape, stops
# the build rather than make a page that lists nothing.
set -eu
kind=${1:?usage: gen.sh settings|options|commands TEMPLATE TABLE}
tmpl=${2:?usage: gen.sh KIND TEMPLATE TABLE}
table=${3:?usage: gen.sh KIND TEMPLATE TABLE}

case $kind in
settings) mark=@SETTINGS@ ;;
options) mark=@OPTIONS@ ;;
commands) mark=@COMMANDS@ ;;
*) echo "gen.sh: unknown kind $kind" >&2; exit 2 ;;
esac
grep -qx "$mark" "$tmpl" || { echo "gen.sh: $tmpl has no line $mark" >&2; exit 1; }

part=$(awk -F '\t' -v kind="$kind" '
function esc(s) { gsub(/\\/, "\\\\", s); gsub(/\*/, "\\*", s); gsub(/_/, "\\_", s); return s }
function opt(name) { gsub(/_/, "-", name); return "--" name }
function bad(why) { printf "gen.sh: line %d: %s\n", NR, why > "/dev/stderr"; err = 1 }
kind == "settings" || kind == "options" {
	if (NF != 6) { bad("want 6 fields, got " NF); next }
	name = $1; type = $2; def = $3; help = esc($6)
	if (type ~ /^alias:/) {
		target = substr(type, 7)
		if (kind == "settings")
			printf "*%s*\n\tThe old name of *%s*, still accepted.\n\n", esc(name), esc(target)
		else
			printf "*%s* _VALUE_\n\tThe same as *%s*.\n\n", esc(opt(name)), esc(opt(target))
		n++
		next
	}
	if (type == "integer") {
		what = "integer, " $4 " to " $5
		dflt = def == "-" ? "worked out at start" : def
	} else if (type == "string") {
		what = "string"
		dflt = def == "-" ? "unset" : "\"" esc(def) "\""
	} else {
		# A kind of setting newer than this script: named, not described.
		what = "value"
		dflt = def == "-" ? "see cairnd --help" : "\"" esc(def) "\""
	}
	if (kind == "settings")
		printf "*%s* = _%s_ (default: %s)\n\t%s.\n\n", esc(name), what, dflt, toupper(substr(help, 1, 1)) substr(help, 2)
	else
		printf "*%s* _VALUE_\n\t%s (setting *%s*).\n\n", esc(opt(name)), help, esc(name)
	n++
	next
}
kind == "commands" && $1 == "global" { next }
kind == "commands" && $1 == "command" {
	if (NF != 6) { bad("want 6 fields, got " NF); next }
	cmd = $3 == "" ? $2 : $2 " " $3
	sum = esc($6)
	printf "*cairn %s*%s\n\t%s.\n", esc(cmd), $5 == "" ? "" : " " esc($5), toupper(substr(sum, 1, 1)) substr(sum, 2)
	printf "\n"
	n++
	next
}
{ bad("unexpected record " $1) }
END {
	if (!err && n == 0) { print "gen.sh: the table is empty" > "/dev/stderr"; err = 1 }
	exit err
}' "$table")

# The template around the generated part, which awk reads from the
# environment (a variable given with -v would have its backslashes eaten).
GEN_PART=$part awk -v mark="$mark" '$0 == mark { print ENVIRON["GEN_PART"]; next } { print }' "$tmpl"
