-- 011_notify_mentions.sql: a preference of its own for person-to-person
-- messages (issue 16; docs/operations.md "Notifications").  Alerts (a KPI
-- turned red, a breach forecast, a guardrail, an objective off track) are
-- one thing; a mention, a sign-off request addressed to the user and the
-- decision on their objective are another: `notify set --alerts off` no
-- longer silences them.  Schema only: who gets what is
-- sql/logic/notify.sql (notify_wants).
ALTER TABLE notify_prefs
	ADD COLUMN mentions boolean NOT NULL DEFAULT true;
