-- 004: idempotency keys.
--
-- A write that creates something (objective.create, kr.create, kr.checkin,
-- later KPI readings) may carry a key chosen by the client.  The key row is
-- inserted by the same statement as the entity and its audit entry, so it
-- exists exactly when the write committed; the primary key on
-- (user_id, key) makes two racing retries unable to both create.  A retry
-- finds the row and is answered from result_id, as the first reply was
-- (by reading that entity again); args_hash (SHA-256 of the op's name and
-- its arguments) tells a true retry from a reuse of the key for something
-- else.

CREATE TABLE idempotency_keys (
	user_id		bigint NOT NULL REFERENCES users (id),
	key		text NOT NULL CHECK (key ~ '^[!-~]{1,64}$'),
	op		text NOT NULL,
	args_hash	bytea NOT NULL CHECK (length(args_hash) = 32),
	result_id	bigint NOT NULL,
	created_at	timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (user_id, key)
);
-- The writes delete the oldest expired keys (see IDEM_KEEP in
-- server/sql.c): this index makes finding them cheap.
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
