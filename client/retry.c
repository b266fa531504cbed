/*
 * retry.c: which requests the client sends again after losing its
 * connection, and when.
 *
 * Several cairnd may serve one database behind a TCP load balancer
 * (docs/operations.md, "Several cairnd behind HAProxy"): when the cairnd
 * holding a connection dies, a new connection reaches another one, which
 * knows the session (sessions live in PostgreSQL).  A request whose reply
 * never came may or may not have run, so only two kinds are sent again:
 *
 * - a write carrying an idempotency key: the server answers a retry of a
 *   write that did commit with its first result (server/idem.c), so it
 *   is recorded once either way.  Also retried on E_UNAVAILABLE (the
 *   database was out of reach, or the server was shutting down), and
 *   when the new connection itself cannot be made, as ever.
 * - a read, one of read_ops below (ops without OP_WRITE on the server),
 *   only when an established connection dropped: E_UNAVAILABLE from a
 *   live cairnd means the database is down, which another try within
 *   seconds would not mend (and outage.sh wants that answer fast).
 *
 * Any other request (an unkeyed write) is never sent twice: its lost
 * reply is reported as E_CONNECT and the user decides.
 */
#include <string.h>
#include <time.h>

#include <openssl/rand.h>

#include "client.h"

/*
 * The reads, by op.  Not event.watch (a stream the user restarts with
 * --since), nor source.test (it reaches out to another database), nor
 * import.* (a batch bound to its connection).
 */
static const char *const read_ops[] = {
	"ping", "session.whoami",
	"user.get", "user.list", "team.get", "team.list", "period.list",
	"objective.get", "objective.list", "kr.get", "kr.history",
	"kpi.get", "kpi.list", "kpi.history", "roi.get",
	"tree", "health", "review", "due", "export",
	"assessment.get", "assessment.questions", "retro.get",
	"settings.get", "audit.list", "comment.list",
	"inbox.get", "notify.show", "hook.list", "token.list",
	"source.get", "source.list",
	NULL
};

bool
client_is_read(const char *op)
{
	for (size_t i = 0; read_ops[i] != NULL; i++)
		if (strcmp(read_ops[i], op) == 0)
			return true;
	return false;
}

const char *const *
client_read_ops(void)
{
	return read_ops;
}

static bool
has_key(const struct reqargs *ra)
{
	if (ra == NULL)
		return false;
	for (size_t i = 0; i < ra->n; i++)
		if (strcmp(ra->kv[i].key, "idempotency_key") == 0)
			return true;
	return false;
}

/*
 * Whether the failed attempt (0 the first) of op may be sent again; if
 * so the dead connection is closed and the backoff slept: 250 ms, 500 ms,
 * 1 s, 2 s, each jittered by half either way so that the clients of a
 * dead cairnd do not all arrive at once.  dropped: the connection had
 * been made (the failure came after hello, or mid-request).
 */
bool
client_may_retry(struct client *c, const char *op, const struct reqargs *ra,
    int attempt, bool dropped)
{
	struct timespec ts;
	unsigned int r;
	long ms;

	if (attempt >= CALL_RETRIES)
		return false;
	if (has_key(ra)) {
		if (!client_failed_with(c, CE_CONNECT) &&
		    !client_failed_with(c, "E_UNAVAILABLE"))
			return false;
	} else if (!client_is_read(op) || !dropped ||
	    !client_failed_with(c, CE_CONNECT))
		return false;
	if (c->open)
		peer_close(&c->peer);
	c->open = false;
	if (RAND_bytes((unsigned char *)&r, sizeof r) != 1)
		r = 0;
	ms = (long)(CALL_RETRY_MS << attempt);
	ms = ms / 2 + (long)(r % (unsigned int)ms);
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	nanosleep(&ts, NULL);
	return true;
}
