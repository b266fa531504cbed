-- inbox.sql: what needs user u, in one list (cairn inbox; docs/rules.md
-- "Inbox"): what is due (due_items: check-ins, KPI readings and grades;
-- signoff_due_items: the sign-offs u is to give), the objectives sent back to u
-- (signoff_sent_back) and the mentions of u not yet seen
-- (comment_mentions_unseen).  Each of those applies its own read rule;
-- nothing here reads a table itself.
CREATE OR REPLACE FUNCTION inbox_items(u bigint)
RETURNS TABLE (kind text, id bigint, team text, period text, title text,
    at text, message text)
LANGUAGE sql STABLE AS $$
	SELECT d.kind, d.id, d.team, d.period, d.title, d.last, d.message
	FROM due_items(u) d
	UNION ALL
	SELECT s.kind, s.id, s.team, s.period, s.title, s.last, s.message
	FROM signoff_due_items(u) s
	UNION ALL
	SELECT 'sent_back', s.id, s.team, NULL, s.title,
	    cairn_time(s.sent_at), 'sent back by ' || s.sent_by || ': ' ||
	    s.note
	FROM signoff_sent_back(u) s
	UNION ALL
	SELECT 'mention', m.id, NULL, NULL, m.thing_kind || ' ' || m.thing_id,
	    m.at, m.author || ': ' || m.excerpt
	FROM comment_mentions_unseen(u) m
$$;
