-- audit.sql: the audit log is append-only (audit_log.append_only):
-- neither UPDATE, DELETE nor TRUNCATE.  The write budgets charged per
-- audited write are in budget.sql.

CREATE OR REPLACE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
	FOR EACH ROW EXECUTE FUNCTION cairn_append_only();

CREATE OR REPLACE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
	FOR EACH STATEMENT EXECUTE FUNCTION cairn_append_only();
