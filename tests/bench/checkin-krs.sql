-- checkin-krs.sql: the key results kr.checkin runs on in make bench
-- (tests/bench/org.sh), one id a line, for cairn-bench --kr-file, which
-- gives connection c of N the lines c, c + N, c + 2N ...
--
-- Variables: clients (N), depth (requests in flight per connection),
-- nroots (clients x depth), per_root.  The nroots alignment trees with the
-- most key results (the 50 from the root team's objectives, then the
-- largest of the unaligned ones) are numbered ri = 0 .. nroots - 1; tree ri
-- belongs to connection ri / depth, which takes its trees in turn, so no
-- two requests in flight anywhere share an objective or an ancestor: the
-- run measures the work of a check-in, not waits for one row.  Within a
-- tree the deepest key results come first (leaves: their check-in rolls up
-- through the most ancestors).  Not boolean (the values sent are 0 to 96),
-- not bound to a KPI (those take no check-ins).
--
-- With -v random=1 instead: as many key results drawn across the whole
-- organisation, so that requests in flight do share ancestors (the root
-- team's objectives above all), as check-ins from all over a real
-- organisation would.
\if :{?random}
\else
\set random 0
\endif
\if :random
SELECT id FROM key_results WHERE type <> 'boolean' AND kpi_id IS NULL
AND NOT removed ORDER BY hashint8(id * 31 + 7) LIMIT :nroots * :per_root;
\else
WITH RECURSIVE d (id, root, lvl) AS (
	SELECT id, id, 1 FROM objectives WHERE parent_id IS NULL
	UNION ALL
	SELECT o.id, d.root, d.lvl + 1 FROM objectives o
	JOIN d ON o.parent_id = d.id),
r AS (SELECT d.root, count(*) AS n FROM d JOIN key_results k
	ON k.objective_id = d.id AND k.type <> 'boolean' AND k.kpi_id IS NULL
	AND NOT k.removed GROUP BY d.root
	ORDER BY n DESC, d.root LIMIT :nroots),
ri AS (SELECT root, row_number() OVER (ORDER BY root) - 1 AS ri FROM r),
kr AS (SELECT ri.ri, k.id, row_number() OVER (PARTITION BY ri.ri
	ORDER BY d.lvl DESC, k.id) - 1 AS rank
	FROM ri JOIN d ON d.root = ri.root JOIN key_results k
	ON k.objective_id = d.id AND k.type <> 'boolean' AND k.kpi_id IS NULL
	AND NOT k.removed)
SELECT id FROM kr WHERE rank < :per_root
ORDER BY (rank * :depth + ri % :depth) * :clients + ri / :depth;
\endif
