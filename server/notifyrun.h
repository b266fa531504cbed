/*
 * notifyrun.h: the outbox's sender and the schedules' clock (issue 16,
 * notifyrun.c).  Every cairnd runs one; the database's leases make each
 * message go out through one of them, and the schedules' row locks make
 * each weekly run and each alert sweep happen once.
 */
#ifndef CAIRN_NOTIFYRUN_H
#define CAIRN_NOTIFYRUN_H

#include <stdbool.h>
#include <stddef.h>

#include "sql.h"

struct server;
struct notifyrun;

extern const stmt_table		notifyrun_stmts;

struct notifyrun *notifyrun_start(struct server *);
/* Drop the sends in flight (their leases run out and they are sent
 * again, with the same delivery id); free once the last statement
 * returns. */
void		 notifyrun_stop(struct notifyrun *);
/* Look for messages now (after notify.run, hook.test). */
void		 notifyrun_kick(struct notifyrun *);

/* "sha256=" and the hex HMAC-SHA256 of body with key, into out (at
 * least NOTIFY_SIG_LEN bytes). */
#define NOTIFY_SIG_LEN	(7 + 64 + 1)
void		 notify_signature(const char *key, const char *body,
		    size_t len, char *out);

#endif
