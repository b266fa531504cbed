-- 006_kr_trend.sql: forecasts of key results and objectives (issue 15;
-- docs/rules.md, "Forecasts").  Schema only, and the backfill of what it
-- stores; the logic is sql/logic/key_result.sql (kr_forecast_of,
-- kr_trend_*), checkin.sql (checkins_apply keeps the trends) and
-- rollup.sql (the stored roll-up keeps the objectives' forecasts).
--
-- A key result's trend: the least-squares sums of its check-ins of its
-- objective's period, value y against x, the days since the period's
-- start (midnight UTC), so that its line costs O(1) to read.  Sums as
-- PostgreSQL's regr_* aggregates keep them (Youngs-Cramer): n, the sums of
-- x and y, and the centred sums of squares and products (regr_sxx,
-- regr_syy, regr_sxy); xlo and xhi (NULL: no check-in) give the span.
-- Check-ins are append-only, so a check-in only adds.  Columns of the key
-- result, not a table of their own: the check-in's trigger updates its
-- key result's row anyway, so the sums cost no other row, page or index.
ALTER TABLE key_results
	ADD COLUMN trend_n bigint NOT NULL DEFAULT 0 CHECK (trend_n >= 0),
	ADD COLUMN trend_sx double precision NOT NULL DEFAULT 0,
	ADD COLUMN trend_sy double precision NOT NULL DEFAULT 0,
	ADD COLUMN trend_sxx double precision NOT NULL DEFAULT 0,
	ADD COLUMN trend_syy double precision NOT NULL DEFAULT 0,
	ADD COLUMN trend_sxy double precision NOT NULL DEFAULT 0,
	ADD COLUMN trend_xlo double precision,
	ADD COLUMN trend_xhi double precision;

UPDATE key_results k SET trend_n = t.n, trend_sx = t.sx, trend_sy = t.sy,
	trend_sxx = t.sxx, trend_syy = t.syy, trend_sxy = t.sxy,
	trend_xlo = t.xlo, trend_xhi = t.xhi
FROM (SELECT w.kr_id, count(*) AS n, sum(w.x) AS sx, sum(w.y) AS sy,
	regr_sxx(w.y, w.x) AS sxx, regr_syy(w.y, w.x) AS syy,
	regr_sxy(w.y, w.x) AS sxy, min(w.x) AS xlo, max(w.x) AS xhi
    FROM (SELECT c.kr_id, c.value AS y, extract(epoch FROM c.at -
	p.start_date::timestamp AT TIME ZONE 'UTC') / 86400 AS x,
	p.end_date + 1 - p.start_date AS len
	FROM checkins c JOIN key_results k ON k.id = c.kr_id
	JOIN objectives o ON o.id = k.objective_id
	JOIN periods p ON p.id = o.period_id) w
    WHERE w.x >= 0 AND w.x < w.len
    GROUP BY w.kr_id) t
WHERE k.id = t.kr_id;

-- An objective's forecast, stored beside its progress by the same
-- roll-up: the progress it is projected to have at its period's end
-- (NULL: none of the key results it rolls up has a trend), how many of
-- those key results have one (forecast_n) and how many it rolls up
-- (forecast_of).  Filled by objectives_progress_rebuild(), which cairnd
-- runs after the logic whenever a migration ran (server/migrate.c).
ALTER TABLE objectives ADD COLUMN forecast double precision,
	ADD COLUMN forecast_n integer NOT NULL DEFAULT 0,
	ADD COLUMN forecast_of integer NOT NULL DEFAULT 0;
