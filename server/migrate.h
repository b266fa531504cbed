/* migrate.h: numbered schema migrations compiled in from sql/. */
#ifndef CAIRN_MIGRATE_H
#define CAIRN_MIGRATE_H

#include <stdbool.h>

struct migration {
	int		 version;
	const char	*name;
	const char	*sql;
};

extern const struct migration migrations[];	/* ends with version 0 */

/* Start-up only (blocks): apply what is missing, each in a transaction. */
bool	migrate(const char *conninfo);

#endif
