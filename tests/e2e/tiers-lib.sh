# tiers-lib.sh: what tiers.sh and assess.sh share (sourced by each; not a
# suite).  Needs cli.sh's `as` helper and its admin session in home-admin.
# Its helpers are prefixed t_ so that they never replace goals.sh's.

# A digest of everything these suites can change.
t_db_state() {	# DIGEST: of what a t_refused request must not change
	local d
	digest "SELECT md5(string_agg(r, E'\n' ORDER BY r)) FROM (
	    SELECT 't' || t::text r FROM teams t
	    UNION ALL SELECT 'o' || o::text FROM objectives o
	    UNION ALL SELECT 'q' || q::text FROM assessment_questions q
	    UNION ALL SELECT 'n' || n::text FROM assessments n
	    UNION ALL SELECT 'g' || (SELECT count(*) FROM pg_class
		WHERE relname = 'objective_guardrails')::text
	    UNION ALL SELECT 'a' || count(*)::text FROM audit_log) x" || return
	d=$DIGEST
	db_query "SELECT to_regclass('objective_guardrails')"
	if [ -n "$DBQ" ]; then
		digest "SELECT md5(coalesce(string_agg(g::text, ','
		    ORDER BY g::text), '')) FROM objective_guardrails g" || return
		d=$d$DIGEST
	fi
	DIGEST=$d
}

# t_refused NAME CODE WHO CAIRN-ARGS...: exit CODE, nothing changed; the
# --json error is left in $ERR.
t_refused() {
	local name=$1 code=$2 who=$3 before
	shift 3
	t_db_state; before=$DIGEST
	expect_exit "$name" "$code" as "$who" --json "$@"
	t_db_state; expect_eq "$name: nothing changed" "$DIGEST" "$before"
}

# t_refused_rule NAME RULE WHO CAIRN-ARGS...: E_RULE RULE, nothing changed.
t_refused_rule() {
	local name=$1 rule=$2
	shift 2
	t_refused "$name" 7 "$@"
	expect_eq "$name: E_RULE $rule" "$(jget "$ERR" '{error,code}') $(jget "$ERR" '{error,rule}')" "E_RULE $rule"
}

# t_refused_field NAME CODE FIELD WHO CAIRN-ARGS...: refused, naming FIELD.
t_refused_field() {
	local name=$1 code=$2 field=$3
	shift 3
	t_refused "$name" "$code" "$@"
	expect_eq "$name: names $field" "$(jget "$ERR" '{error,field}')" "$field"
}

# t_allowed NAME WHO CAIRN-ARGS...: succeeds and changes something; the
# --json result is in $OUT.
t_allowed() {
	local name=$1 who=$2 before
	shift 2
	t_db_state; before=$DIGEST
	expect_exit "$name" 0 as "$who" --json "$@"
	t_db_state; if [ "$DIGEST" != "$before" ]; then
		ok "$name: the change is stored"
	else
		not_ok "$name: the change is stored" "the database did not change"
	fi
}

# jget JSON PATH: the text at PATH ('{drivers,0,key}') of JSON, read by
# PostgreSQL's own JSON parser (no jq in the dependencies); empty when
# absent, "null" for a JSON null.
jget() {
	echo "SELECT CASE WHEN jsonb_typeof((:'j'::jsonb) #> (:'p')::text[])
	    = 'null' THEN 'null' ELSE (:'j'::jsonb) #>> (:'p')::text[] END" |
	    psql_cairn -v j="$1" -v p="$2" 2>/dev/null
}

# jlen JSON PATH: the length of the array at PATH.
jlen() {
	echo "SELECT jsonb_array_length((:'j'::jsonb) #> (:'p')::text[])" |
	    psql_cairn -v j="$1" -v p="$2" 2>/dev/null
}

# Users, teams and a period, once for both suites:
#
#   ROOT (the root team, whatever its name)
#   `-- tdept        lead tldept
#       |-- tops     lead tlead, member tmem
#       `-- tpriv    private: lead tlpriv, member tmpriv
#
# texec is an executive, tout a user in no team.
if [ -z "${TIERS_SETUP:-}" ]; then
	TIERS_SETUP=1
	for u in tldept tlead tmem tlpriv tmpriv tout texec; do
		role=member
		[ "$u" = texec ] && role=executive
		quietly "user $u" sh -c "echo 'pw-$u-tiers' |
		    XDG_CONFIG_HOME=$T/home-admin $BIN/cairn user add $u \
		    --name 'User $u' --role $role --password-stdin"
		quietly "login $u" sh -c "echo 'pw-$u-tiers' |
		    XDG_CONFIG_HOME=$T/home-$u $BIN/cairn login $u \
		    --password-stdin"
	done
	TROOT=$(psql_cairn -c "SELECT slug FROM teams WHERE parent_id IS NULL")
	if [ -z "$TROOT" ]; then
		TROOT=tco
		quietly "root team" as admin team add tco --name 'Tiers Co'
	fi
	quietly "team tdept" as admin team add tdept --name Dept --parent "$TROOT"
	quietly "team tops" as admin team add tops --name Ops --parent tdept
	quietly "team tpriv" as admin team add tpriv --name Private \
	    --parent tdept --private
	quietly "lead tldept" as admin team member add tdept tldept --lead
	quietly "lead tlead" as admin team member add tops tlead --lead
	quietly "member tmem" as admin team member add tops tmem
	quietly "lead tlpriv" as admin team member add tpriv tlpriv --lead
	quietly "member tmpriv" as admin team member add tpriv tmpriv
	quietly "period tq4" as admin period add tq4 --start 2026-10-01 \
	    --end 2026-12-30
	quietly "open tq4" as admin period open tq4
fi
