/*
 * migrate.h: the SQL compiled in from sql/ (tests/embed-sql.sh): numbered
 * schema migrations, the logic (functions, triggers, views by entity) and
 * the upgrade of a database made before the squash.
 */
#ifndef CAIRN_MIGRATE_H
#define CAIRN_MIGRATE_H

#include <stdbool.h>

struct migration {
	int		 version;
	const char	*name;
	const char	*sql;
};

struct logic_file {
	const char	*name;		/* sql/logic/NAME.sql */
	const char	*sql;
};

extern const struct migration migrations[];	/* ends with version 0 */
extern const struct logic_file logic_files[];	/* ends with a NULL name */
extern const char logic_hash[];			/* SHA-256 of the logic */
extern const char *const legacy_sql;		/* sql/legacy/6e09e4c.sql */

/*
 * Start-up only (blocks), under an advisory lock: upgrade a database made
 * before the squash, apply the missing migrations (each in a transaction),
 * then the logic (one transaction) if its hash is not the one recorded.
 */
bool	migrate(const char *conninfo) __attribute__((warn_unused_result));

#endif
