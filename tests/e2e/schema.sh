# schema.sh: schema and logic apart (issue 14, property 2; sourced by
# run.sh, runs alone: CAIRN_SUITES=schema).  On databases of its own on the
# run's cluster, driven by cairnd --db ... --init-admin (which migrates,
# creates an administrator and exits):
# - a database made by cairn at 6e09e4c (tests/fixtures/db-6e09e4c.sql:
#   migrations 001..025, the demo's rows) upgrades to the baseline and
#   then has the same pg_dump --schema-only as a fresh one, its rows kept;
# - the fresh one's functions, triggers and views are 6e09e4c's, text for
#   text, but for period.closed's refusal, now in one function, and the
#   performance changes it names;
# - the triggers that skip value-only updates by column list name every
#   other column;
# - a second start applies no logic; a changed logic (hash) is applied;
# - a pre-squash database not at its last migration is refused;
# - tests/sql-defs.sh refuses a function defined twice.

sc_psql() {	# sc_psql DB args...
	local db=$1
	shift
	"$PGBIN/psql" -X -q -t -A -h "$DATA" -U cairn -d "$db" \
	    -v ON_ERROR_STOP=1 "$@"
}
sc_url() { echo "postgresql:///$1?host=$DATA&user=cairn"; }
sc_init() {	# sc_init DB LOGIN LOG: migrate DB, create LOGIN
	echo "pw-$2-12345678" | "$BIN/cairnd" --db "$(sc_url "$1")" \
	    --init-admin "$2" --password-stdin >"$3" 2>&1
}
sc_dump() {	# the schema, without the lines pg_dump makes random
	"$PGBIN/pg_dump" -h "$DATA" -U cairn --schema-only --restrict-key=cairn "$1"
}
sc_logic() {	# sc_logic DUMPFILE: its functions, triggers and views only
	awk '/^-- Name: .*Type: (FUNCTION|TRIGGER|VIEW);/ { on = 1 }
	    /^-- Name: / && !/Type: (FUNCTION|TRIGGER|VIEW);/ { on = 0 }
	    on' "$1"
}

for db in sc_legacy sc_fresh sc_partial; do
	sc_psql postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1
	sc_psql postgres -c "CREATE DATABASE $db" >/dev/null
done

# Today's main's database, then upgraded.
sc_psql sc_legacy -f "$ROOT/tests/fixtures/db-6e09e4c.sql" >/dev/null 2>"$T/sc-load.err" ||
    not_ok "schema: the 6e09e4c fixture loads" "$(< "$T/sc-load.err")"
sc_dump sc_legacy >"$T/sc-before.sql"
# Settings that migrations after the baseline add (002_forecast.sql), left
# out of the rows compared and checked on their own below.
sc_new_settings="'forecast_window', 'forecast_horizon', 'source_timeout_ms', 'feed_concurrency', 'events_keep_days', 'signoff_days', 'notify_retry_hours', 'hook_disable_after', 'escalate_after', 'reminder_day', 'reminder_hour', 'digest_day', 'digest_hour', 'alert_sweep_minutes'"
counts="SELECT (SELECT count(*) FROM users) || ' ' ||
    (SELECT count(*) FROM objectives) || ' ' ||
    (SELECT count(*) FROM key_results) || ' ' ||
    (SELECT count(*) FROM checkins) || ' ' ||
    (SELECT count(*) FROM kpi_readings) || ' ' ||
    (SELECT count(*) FROM audit_log) || ' ' ||
    (SELECT sum(progress) FROM objectives) || ' ' ||
    (SELECT string_agg(name || '=' || value, ',' ORDER BY name) FROM settings
	WHERE name NOT IN ($sc_new_settings))"
before=$(sc_psql sc_legacy -c "$counts")
if sc_init sc_legacy old-admin "$T/sc-legacy.log"; then
	ok "schema: cairnd upgrades a database made by 6e09e4c"
else
	not_ok "schema: cairnd upgrades a database made by 6e09e4c" "$(tail -5 "$T/sc-legacy.log")"
fi
expect_log "schema: ... saying so" "upgrading a database made before the schema squash" "$T/sc-legacy.log" 1
after=$(sc_psql sc_legacy -c "$counts")
# The administrator just created is one user and one audit entry more.
want=$(echo "$before" | awk '{ $1 += 1; $6 += 1; print }')
expect_eq "schema: ... keeping its rows (users, objectives, KRs, check-ins, readings, audit, progress, settings)" "$after" "$want"
expect_eq "schema: ... with the settings of the later migrations at their defaults" \
    "$(sc_psql sc_legacy -c "SELECT string_agg(name || '=' || value, ',' ORDER BY name) FROM settings WHERE name IN ($sc_new_settings)")" \
    "alert_sweep_minutes=10,digest_day=1,digest_hour=8,escalate_after=2,events_keep_days=30,feed_concurrency=8,forecast_horizon=14,forecast_window=8,hook_disable_after=10,notify_retry_hours=24,reminder_day=1,reminder_hour=9,signoff_days=7,source_timeout_ms=5000"
# The baseline replaces 001..025; migrations after it are applied as on a
# fresh database: the list is sql/'s, so adding one needs no change here.
sc_want=$(for f in "$ROOT"/sql/[0-9][0-9][0-9]_*.sql; do
	b=$(basename "$f" .sql)
	echo "$(expr "${b%%_*}" + 0) $b"
done | paste -sd, -)
expect_eq "schema: ... whose schema_migrations holds the baseline and what follows it" \
    "$(sc_psql sc_legacy -c "SELECT string_agg(version || ' ' || name, ',' ORDER BY version) FROM schema_migrations")" \
    "$sc_want"
# sql/004_tokens.sql: the API tokens' table, and the source (via) of
# readings, check-ins and audit entries, 'user' for every upgraded row.
expect_eq "schema: 004_tokens: api_tokens' columns" \
    "$(sc_psql sc_legacy -c "SELECT string_agg(column_name, ' ' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_name = 'api_tokens'")" \
    "id user_id name token_hash scopes kpis expires_at created_at last_used"
expect_eq "schema: ... via on kpi_readings, checkins, audit_log, NOT NULL DEFAULT 'user'" \
    "$(sc_psql sc_legacy -c "SELECT string_agg(table_name || ':' || is_nullable || ':' || column_default, ' ' ORDER BY table_name) FROM information_schema.columns WHERE column_name = 'via' AND table_name IN ('kpi_readings', 'checkins', 'audit_log')")" \
    "audit_log:NO:'user'::text checkins:NO:'user'::text kpi_readings:NO:'user'::text"
expect_eq "schema: ... the upgraded rows' via is 'user'" \
    "$(sc_psql sc_legacy -c "SELECT (SELECT count(*) FROM kpi_readings WHERE via <> 'user') + (SELECT count(*) FROM checkins WHERE via <> 'user') + (SELECT count(*) FROM audit_log WHERE via <> 'user')")" "0"
expect_exit "schema: ... a via that is none of user, import, token:NAME, feed:NAME is refused" 1 \
    sc_psql sc_legacy -c "INSERT INTO audit_log (op, entity_type, entity_id, via) VALUES ('x', 'x', 1, 'somebody')"
expect_exit "schema: ... an unknown scope is refused" 1 \
    sc_psql sc_legacy -c "INSERT INTO api_tokens (user_id, name, token_hash, scopes) SELECT id, 'x', sha256('x'), '{write}' FROM users LIMIT 1"

# A fresh database, by today's cairnd.
sc_init sc_fresh new-admin "$T/sc-fresh.log" ||
    not_ok "schema: cairnd creates a fresh database" "$(tail -5 "$T/sc-fresh.log")"
sc_dump sc_legacy >"$T/sc-legacy.sql"
sc_dump sc_fresh >"$T/sc-fresh.sql"
if diff -u "$T/sc-legacy.sql" "$T/sc-fresh.sql" >"$T/sc-diff"; then
	ok "schema: upgraded and fresh databases have the same pg_dump --schema-only ($(wc -l <"$T/sc-fresh.sql") lines)"
else
	not_ok "schema: upgraded and fresh databases have the same pg_dump --schema-only" "$(head -40 "$T/sc-diff")"
fi
# The logic moved, not changed: 6e09e4c's own functions, triggers and
# views (before the upgrade) are the fresh database's, text for text, but
# for what issue 14 changed on purpose: period.closed's refusal has one
# home, period_closed_refuse(), called where the text was repeated.
# And for what issue 14's performance work changed on purpose, each named
# here (a "-- Name: " line of pg_dump), left out of both sides; the e2e
# suites check what they do:
# - checkins_apply, kpi_readings_follow: set updated_at themselves, as the
#   key_results_check trigger no longer runs on their value-only updates;
# - key_results_check, objectives_check_update: triggers by column list;
# - objectives_more_than_progress: gone (was that trigger's WHEN).
# And for what issue 15 changed: review_items gains kpi_breach_forecast;
# import_apply marks its check-ins, readings and audit entry via 'import'
# (sql/004_tokens.sql's column; tokens.sh checks it); checkins_apply keeps
# the key results' trends (sql/006_kr_trend.sql) and the stored roll-up
# (objectives_walk_up, objectives_refresh, objectives_progress_rebuild,
# key_results_rollup_update on trend_n too) the objectives' forecasts
# beside their progress (forecast.sh checks them).  And for what issue 16's
# comments changed: import_missing names the comments' authors and
# import_apply_more imports the comments (comment_import; export.sh
# checks the round trip); period_carry and import_apply request the
# objectives they leave proposed, and import_missing names the approvers
# (signoff_propose_audit, signoff_import; signoff.sh and export.sh check
# them).
sc_changed='^-- Name: (import_missing\(bigint\); Type: FUNCTION|import_apply_more\(bigint, bigint, bigint\); Type: FUNCTION|key_results key_results_rollup_update; Type: TRIGGER|objectives_walk_up\(bigint\); Type: FUNCTION|objectives_refresh\(bigint\[\]\); Type: FUNCTION|objectives_progress_rebuild\(\); Type: FUNCTION|import_apply\(bigint, bigint\); Type: FUNCTION|period_closed_refuse\(\); Type: FUNCTION|checkins_apply\(\); Type: FUNCTION|kpi_readings_follow\(\); Type: FUNCTION|objectives_more_than_progress\(public\.objectives, public\.objectives\); Type: FUNCTION|key_results key_results_check; Type: TRIGGER|objectives objectives_check_update; Type: TRIGGER|review_items\(bigint, text, bigint, bigint\); Type: FUNCTION|period_carry\(bigint, bigint, bigint, bigint, text, text\); Type: FUNCTION);'
sc_logic "$T/sc-before.sql" | perl -0pe "s/PERFORM cairn_refuse\('period\.closed',\n\t\t    'nothing in a closed period changes'\);/PERFORM period_closed_refuse();/g" |
    awk -v re="$sc_changed" '/^-- Name: / { skip = $0 ~ re } !skip' >"$T/sc-logic-before"
# Objects new since 6e09e4c (issue 15's forecasts, of KPIs and key
# results, and the key results' trends: period_day, kr_trend_at,
# kr_trend_progress, kr_trends_rebuild in logic/key_result.sql, the
# objectives' in logic/rollup.sql's objective_rollup_local; issue 15's sources:
# source_public, source_usable_by_team in logic/source.sql; its feeds in
# logic/feed.sql, and core.sql's cairn_time) are in the fresh database
# only: left out of its side, and each checked to be there.
sc_tz='timestamp with time zone'
sc_dp='double precision'
# seven of them, spelt out (awk's regular expressions may lack {7})
sc_dp7=", $sc_dp, $sc_dp, $sc_dp, $sc_dp, $sc_dp, $sc_dp, $sc_dp"
sc_new="^-- Name: (kpi_forecast_of\\(bigint, text, double precision, double precision, double precision, double precision\\)|kr_forecast_of\\(bigint\\)|period_day\\(date, $sc_tz\\)|kr_trend_at\\(bigint$sc_dp7\\)|kr_trend_progress\\(text, $sc_dp, $sc_dp, boolean, bigint$sc_dp7\\)|kr_trends_rebuild\\(bigint\\[\\]\\)|objective_rollup_local\\(bigint, text\\)|source_public\\(jsonb\\)|source_usable_by_team\\(bigint, bigint\\)|cairn_time\\($sc_tz\\)|feed_next_due\\($sc_tz, integer\\)|feed_jitter\\(bigint, integer\\)|feed_backoff\\(integer, integer\\)|feed_failing\\(public\\.feeds\\)|feed_json\\(public\\.feeds, public\\.sources\\)|kpi_feed_of\\(bigint\\)|feed_record\\(bigint, $sc_tz, boolean, double precision, $sc_tz\\)|feed_failed\\(bigint, $sc_tz, boolean, text\\)); Type: FUNCTION;"
expect_eq "schema: the objects new since 6e09e4c are in the fresh database" \
    "$(grep -cE "$sc_new" "$T/sc-fresh.sql")" 18
# ... and issue 15's tables (sql/003_sources.sql, 005_feeds.sql).
expect_eq "schema: the tables new since 6e09e4c are in the fresh database" \
    "$(grep -cE '^CREATE TABLE public\.(sources|source_teams|feeds) \($' "$T/sc-fresh.sql")" 3
# Issue 16's objects (events: sql/logic/event.sql; sign-off, comments,
# notifications: their logic files) are named by their prefixes, left out
# of the fresh side, and the event stream's checked to be there.
sc_new16='^-- Name: ((event|events|audit_event|kpi_readings_event|comment|comments|signoff|notify|hook|hooks|outbox|inbox|alert)[a-z_]*\(|[a-z_]+ (audit_event|kpi_readings_event|[a-z_]*(comment|signoff|notify|hook|outbox|alert)[a-z_]*); Type: TRIGGER)'
expect_eq "schema: the event stream's functions and triggers are in the fresh database" \
    "$(grep -cE '^-- Name: (event_kind|event_of_objective|audit_event|kpi_readings_event|event_readable|event_sequence|event_prune|events_after)\(|^-- Name: (audit_log audit_event|kpi_readings kpi_readings_event); Type: TRIGGER' "$T/sc-fresh.sql")" 10
# Issue 17's cache invalidation (core.sql's cache_notify, its triggers in
# user.sql and session.sql).
sc_new17='^-- Name: (cache_notify\(|[a-z_]+ [a-z_]*cache_notify[a-z_]*; Type: TRIGGER)'
expect_eq "schema: the caches' invalidation triggers are in the fresh database" \
    "$(grep -cE "$sc_new17" "$T/sc-fresh.sql")" 6
sc_logic "$T/sc-fresh.sql" | awk -v re="$sc_new" '/^-- Name: / { skip = $0 ~ re } !skip' |
    awk -v re="$sc_new16" '/^-- Name: / { skip = $0 ~ re } !skip' |
    awk -v re="$sc_new17" '/^-- Name: / { skip = $0 ~ re } !skip' |
    awk -v re="$sc_changed" '/^-- Name: / { skip = $0 ~ re } !skip' >"$T/sc-logic-fresh"
expect_eq "schema: every object changed on purpose is named as it is in the dump" \
    "$(grep -cE "$sc_changed" "$T/sc-before.sql" "$T/sc-fresh.sql" | sed 's/.*://' | tr '\n' ' ')" "14 14 "
if [ -s "$T/sc-logic-fresh" ] && diff -u "$T/sc-logic-before" "$T/sc-logic-fresh" >"$T/sc-diff"; then
	ok "schema: the functions, triggers and views are 6e09e4c's, text for text ($(grep -c '^-- Name' "$T/sc-logic-fresh") of them; period.closed's refusal in one function; the performance changes named)"
else
	not_ok "schema: the functions, triggers and views are 6e09e4c's, text for text" "$(head -40 "$T/sc-diff")"
fi
# The two triggers that leave value-only updates out by a column list
# must list every other column: a column added to the table and to
# neither list fails here.
sc_cols_out() {	# sc_cols_out TABLE TRIGGER: the columns the trigger leaves out
	sc_psql sc_fresh -c "SELECT string_agg(a.attname, ' ' ORDER BY a.attname)
	    FROM pg_attribute a JOIN pg_trigger t ON t.tgrelid = a.attrelid
	    WHERE a.attrelid = '$1'::regclass AND t.tgname = '$2'
	    AND a.attnum > 0 AND NOT a.attisdropped
	    AND NOT a.attnum = ANY (t.tgattr::int2[])"
}
expect_eq "schema: key_results_check runs on every change but a value's (current, confidence, checked_at, version, updated_at, the trend_* sums)" \
    "$(sc_cols_out key_results key_results_check)" "checked_at confidence current trend_n trend_sx trend_sxx trend_sxy trend_sy trend_syy trend_xhi trend_xlo updated_at version"
expect_eq "schema: objectives_check_update runs on every change but the roll-up's (progress, forecast, forecast_n, forecast_of)" \
    "$(sc_cols_out objectives objectives_check_update)" "forecast forecast_n forecast_of progress"
# The upgraded rows agree with the logic now in place: every stored
# progress is what objectives_progress_rebuild() computes again from the
# key results.
sc_psql sc_legacy -c "CREATE TEMP TABLE p AS SELECT id, progress FROM objectives;
    SELECT objectives_progress_rebuild();
    SELECT count(*) FROM objectives o JOIN p USING (id)
    WHERE abs(o.progress - p.progress) > 1e-9" >"$T/sc-rollup" 2>&1
expect_eq "schema: ... and the upgraded roll-up agrees with a rebuild" "$(tail -1 "$T/sc-rollup")" "0"
# 006_kr_trend.sql's backfill: the key results' trends are those
# kr_trends_rebuild() computes from the check-ins, and the objectives'
# forecasts (filled by the rebuild cairnd runs after a migration) those a
# second rebuild computes.
sc_psql sc_legacy -c "CREATE TEMP TABLE t0 AS SELECT id, trend_n, trend_sx,
    trend_sy, trend_sxx, trend_syy, trend_sxy, trend_xlo, trend_xhi
    FROM key_results;
    CREATE TEMP TABLE f0 AS SELECT id, forecast, forecast_n, forecast_of
    FROM objectives;
    SET cairn.defer_rollup = on;
    SELECT kr_trends_rebuild(); SELECT objectives_progress_rebuild();
    SELECT (SELECT count(*) FROM t0 WHERE trend_n > 0) || ' ' ||
    (SELECT count(*) FROM key_results t JOIN t0 USING (id)
    WHERE t.trend_n <> t0.trend_n OR t.trend_xlo IS DISTINCT FROM t0.trend_xlo
    OR t.trend_xhi IS DISTINCT FROM t0.trend_xhi
    OR NOT (abs(t.trend_sx - t0.trend_sx) <= 1e-9 * greatest(1, abs(t.trend_sx))
    AND abs(t.trend_sy - t0.trend_sy) <= 1e-9 * greatest(1, abs(t.trend_sy))
    AND abs(t.trend_sxx - t0.trend_sxx) <= 1e-9 * greatest(1, t.trend_sxx)
    AND abs(t.trend_syy - t0.trend_syy) <= 1e-9 * greatest(1, t.trend_syy)
    AND abs(t.trend_sxy - t0.trend_sxy) <= 1e-9 * greatest(1, abs(t.trend_sxy)))) || ' ' ||
    (SELECT count(*) FROM objectives WHERE forecast IS NOT NULL) || ' ' ||
    (SELECT count(*) FROM objectives o JOIN f0 USING (id)
    WHERE (o.forecast IS NULL) <> (f0.forecast IS NULL)
    OR abs(o.forecast - f0.forecast) > 1e-9
    OR o.forecast_n <> f0.forecast_n OR o.forecast_of <> f0.forecast_of)" \
    >"$T/sc-trends" 2>&1
read -r sc_nt sc_bad sc_nf sc_fbad <<EOF2
$(tail -1 "$T/sc-trends")
EOF2
if [ "${sc_nt:-0}" -gt 0 ] && [ "$sc_bad" = 0 ]; then
	ok "schema: 006_kr_trend's backfill: $sc_nt key results' trends, as kr_trends_rebuild() computes them"
else
	not_ok "schema: 006_kr_trend's backfill agrees with kr_trends_rebuild()" "$(cat "$T/sc-trends")"
fi
if [ "${sc_nf:-0}" -gt 0 ] && [ "$sc_fbad" = 0 ]; then
	ok "schema: ... and $sc_nf objectives' forecasts filled after the upgrade, as a rebuild computes them"
else
	not_ok "schema: the objectives' forecasts filled after the upgrade" "$(cat "$T/sc-trends")"
fi

# A second start applies no logic: a function changed by hand stays so.
sc_psql sc_fresh -c "CREATE OR REPLACE FUNCTION cairn_setting(n text)
    RETURNS integer LANGUAGE sql STABLE AS \$\$ SELECT 42 \$\$" >/dev/null
sc_init sc_fresh second-admin "$T/sc-second.log" ||
    not_ok "schema: a second start" "$(tail -5 "$T/sc-second.log")"
if grep -q "applied logic\|applying migration" "$T/sc-second.log"; then
	not_ok "schema: a second start applies no migration and no logic" "$(< "$T/sc-second.log")"
else
	ok "schema: a second start applies no migration and no logic"
fi
expect_eq "schema: ... (the hand-changed function is left alone)" \
    "$(sc_psql sc_fresh -c "SELECT cairn_setting('max_depth')")" "42"
# A logic whose hash differs from the one recorded (as after an edit of
# sql/logic) is applied again, whole: the function is the tree's again.
sc_psql sc_fresh -c "UPDATE schema_logic SET hash = 'an older logic'" >/dev/null
sc_init sc_fresh third-admin "$T/sc-third.log" ||
    not_ok "schema: a start with another logic" "$(tail -5 "$T/sc-third.log")"
expect_log "schema: a changed logic is applied at start-up" "applied logic [0-9a-f]{12} \([0-9]+ files\)" "$T/sc-third.log" 1
expect_eq "schema: ... restoring the tree's function" \
    "$(sc_psql sc_fresh -c "SELECT cairn_setting('max_depth')")" "8"
expect_eq "schema: ... and recording its hash" \
    "$(sc_psql sc_fresh -c "SELECT length(hash) FROM schema_logic")" "64"

# A database from before the squash but not at its last migration.
sc_psql sc_partial -f "$ROOT/tests/fixtures/db-6e09e4c.sql" >/dev/null 2>&1
sc_psql sc_partial -c "DELETE FROM schema_migrations WHERE version = 25" >/dev/null
if sc_init sc_partial someone "$T/sc-partial.log"; then
	not_ok "schema: a pre-squash database not at 025_keyed_writes is refused" "$(tail -5 "$T/sc-partial.log")"
else
	expect_match "schema: a pre-squash database not at 025_keyed_writes is refused" \
	    "not at its last migration" "$(< "$T/sc-partial.log")"
fi
expect_eq "schema: ... and left as it was" \
    "$(sc_psql sc_partial -c "SELECT count(*) FROM schema_migrations")" "20"

# Each function, trigger and view is created once in sql/ (sql-defs.sh,
# run by make): it refuses a second definition.
mkdir -p "$T/sc-defs"
cp "$ROOT"/sql/[0-9][0-9][0-9]_*.sql "$ROOT"/sql/logic/*.sql "$T/sc-defs/"
if sh "$ROOT/tests/sql-defs.sh" "$T"/sc-defs/*.sql 2>"$T/sc-defs.err"; then
	ok "schema: sql-defs.sh finds no definition twice in sql/"
else
	not_ok "schema: sql-defs.sh finds no definition twice in sql/" "$(< "$T/sc-defs.err")"
fi
sed -n '/^CREATE OR REPLACE FUNCTION kpi_window/,/^\$\$;/p' \
    "$ROOT/sql/logic/kpi.sql" >"$T/sc-defs/zz_copy.sql"
if sh "$ROOT/tests/sql-defs.sh" "$T"/sc-defs/*.sql 2>"$T/sc-defs.err"; then
	not_ok "schema: sql-defs.sh refuses a function defined twice"
else
	expect_match "schema: sql-defs.sh refuses a function defined twice" \
	    "function kpi_window\(frequency text\)" "$(< "$T/sc-defs.err")"
fi

for db in sc_legacy sc_fresh sc_partial; do
	sc_psql postgres -c "DROP DATABASE $db" >/dev/null
done
