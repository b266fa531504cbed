#!/bin/sh
# sql-defs.sh FILE...: every function (by name and arguments), trigger (by
# name and table) and view is created in exactly one place among FILEs (the
# migrations and sql/logic): the body a reader finds is the one that runs.
# Run by make before the SQL is compiled in; prints the duplicates and
# fails if there are any.
set -e
dups=$(for f in "$@"; do
	# One line per file: statements span lines.  -- comments go first.
	sed 's/--.*//' "$f" | tr '\n\t' '  ' |
	    grep -oiE 'CREATE +(OR +REPLACE +)?(FUNCTION +[a-z0-9_]+ *\([^)]*\)|TRIGGER +[a-z0-9_]+ +[^;]*? ON +[a-z0-9_]+|VIEW +[a-z0-9_]+)' |
	    sed -E 's/^CREATE +(OR +REPLACE +)?//I; s/(BEFORE|AFTER|INSTEAD OF).* ON /ON /I; s/ +/ /g; s/ *\( */(/; s/ *\)/)/' |
	    tr 'A-Z' 'a-z'
done | sort | uniq -d)
if [ -n "$dups" ]; then
	echo "sql-defs.sh: created more than once in sql/:" >&2
	echo "$dups" | sed 's/^/  /' >&2
	exit 1
fi
