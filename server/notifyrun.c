/*
 * notifyrun.c: the outbox's sender (notifyrun.h).  Each second, while
 * fewer than NOTIFY_INFLIGHT messages are on their way, the sender takes
 * the messages due (sql/logic/notify.sql outbox_claim: FOR UPDATE SKIP
 * LOCKED, a lease in the row, each rendered for its reader under the read
 * rule at that moment), sends each by its channel on the loop (libcurl,
 * http-loop.c: SMTP for mail, an HTTPS POST for a hook), and records the
 * outcome (outbox_done: sent, or a retry after a backoff, a hook's
 * failures counted).  Every minute it asks notify_tick() for what the
 * schedules have due (reminders, digest, the alert sweep).
 *
 * Nothing here is on a request's path: a hook that hangs holds one of
 * the sender's slots for the request timeout, never a client.
 *
 * Several cairnd over one database: a message is taken by one of them
 * (SKIP LOCKED) and its lease keeps it theirs until the outcome is
 * recorded or the lease runs out (the request timeout and
 * NOTIFY_LEASE_SLACK_S).  A cairnd that dies mid-send leaves the lease to
 * run out; the message is then sent again with the same delivery id, so
 * a receiver that keeps the ids it has seen drops the second copy.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "http-loop.h"
#include "log.h"
#include "mail.h"
#include "notifyrun.h"
#include "secret.h"
#include "server.h"
#include "sql.h"
#include "xmalloc.h"

#define NOTIFY_TICK_MS		1000	/* between two looks at the outbox */
#define NOTIFY_SCHEDULE_S	60	/* between two looks at the schedules */
#define NOTIFY_INFLIGHT		16	/* messages on their way at once */
#define NOTIFY_LEASE_SLACK_S	5
#define NOTIFY_PRUNE		1000	/* old messages deleted per minute */
/* A sealed secret as bytea hex text. */
#define SEALED_HEX	(2 * (SECRET_MAX + SECRET_OVERHEAD) + 3)

static const struct field claim_f[] = {
	{ "id", F_HIDDEN }, { "delivery", F_HIDDEN }, { "channel", F_HIDDEN },
	{ "hook_id", F_HIDDEN }, { "url", F_HIDDEN }, { "format", F_HIDDEN },
	{ "secret", F_HIDDEN }, { "to_addr", F_HIDDEN },
	{ "subject", F_HIDDEN }, { "body", F_HIDDEN }, { "html", F_HIDDEN },
	{ "payload", F_HIDDEN },
};
static const struct fieldset FS_OUTBOX_CLAIM = FIELDSET("outbox", claim_f);

static const struct field done_f[] = { { "outcome", F_HIDDEN } };
static const struct fieldset FS_OUTBOX_DONE = FIELDSET("outbox", done_f);

static const struct field tick_f[] = {
	{ "ran", F_HIDDEN }, { "pruned", F_HIDDEN }
};
static const struct fieldset FS_NOTIFY_TICK = FIELDSET("notify", tick_f);

const stmt_table notifyrun_stmts = {
	/* Up to $n messages due, leased to $me for $lease s; mail dropped
	 * when this cairnd has no relay ($mail false). */
	[ST_OUTBOX_CLAIM] = { .name = "outbox_claim", .kind = STMT_WRITE,
	    .params = "me n lease mail",
	    .sql = "SELECT * FROM outbox_claim($me, $n::integer,"
	    " $lease::integer, $mail::boolean)",
	    .returns = &FS_OUTBOX_CLAIM },

	/* The outcome: $err NULL for sent. */
	[ST_OUTBOX_DONE] = { .name = "outbox_done", .kind = STMT_WRITE,
	    .params = "id me err",
	    .sql = "SELECT outbox_done($id::bigint, $me, $err) AS outcome",
	    .returns = &FS_OUTBOX_DONE },

	[ST_NOTIFY_TICK] = { .name = "notify_tick", .kind = STMT_WRITE,
	    .params = "prune",
	    .sql = "SELECT notify_tick() AS ran,"
	    " outbox_prune($prune::integer) AS pruned",
	    .returns = &FS_NOTIFY_TICK },
};

struct send {
	TAILQ_ENTRY(send)	 entry;
	struct notifyrun	*nr;
	struct http_req		*req;
	int64_t			 id;
	char			 delivery[40];
	char			 what[300];	/* "mail to a@b", "hook 3" */
	char			 err[400];	/* NUL: sent */
};
TAILQ_HEAD(sendq, send);

struct notifyrun {
	struct server	*srv;
	struct event	*timer;
	struct event	*sched;
	char		 me[96];
	char		*smtp_url;	/* NULL: no mail */
	struct sendq	 sends;		/* on their way */
	int		 inflight;	/* sends + their outcomes' statements */
	bool		 claiming;
	int		 pending;	/* statements in flight */
	bool		 stopped;
};

static void	claim(struct notifyrun *);

void
notify_signature(const char *key, const char *body, size_t len, char *out)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	static const char hex[] = "0123456789abcdef";

	if (HMAC(EVP_sha256(), key, (int)strlen(key),
	    (const unsigned char *)body, len, md, &mdlen) == NULL)
		fatalx("HMAC-SHA256 failed");
	memcpy(out, "sha256=", 7);
	for (unsigned i = 0; i < mdlen && i < 32; i++) {
		out[7 + 2 * i] = hex[md[i] >> 4];
		out[8 + 2 * i] = hex[md[i] & 15];
	}
	out[7 + 64] = '\0';
}

static void
tick(struct notifyrun *nr, int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	evtimer_add(nr->timer, &tv);
}

/* A statement of ours returned: false when the sender is gone. */
static bool
returned(struct notifyrun *nr)
{
	nr->pending--;
	if (nr->srv->stopping && !nr->stopped)
		server_maybe_done(nr->srv);
	if (!nr->stopped)
		return true;
	if (nr->pending == 0) {
		free(nr->smtp_url);
		free(nr);
	}
	return false;
}

static void
on_done(void *arg, const PGresult *res)
{
	struct send *s = arg;
	struct notifyrun *nr = s->nr;
	const char *rule, *msg, *outcome;

	if (!returned(nr)) {
		free(s);
		return;
	}
	if (!db_ok(res)) {
		(void)db_error(res, &rule, &msg);
		log_warnx("notify: recording message %lld: %s",
		    (long long)s->id, msg);
	} else {
		outcome = row_text(res, 0, "outcome");
		if (s->err[0] == '\0')
			log_debug("notify: message %lld (%s) sent: %s",
			    (long long)s->id, s->what, s->delivery);
		else
			log_info("notify: message %lld (%s) not sent (%s): %s",
			    (long long)s->id, s->what, outcome, s->err);
	}
	nr->inflight--;
	free(s);
	claim(nr);
}

/* The outcome of s (err empty: sent) into the outbox. */
static void
record(struct send *s)
{
	struct notifyrun *nr = s->nr;
	char id[24];
	struct stmt_params sp;
	enum wire_err why;

	snprintf(id, sizeof id, "%lld", (long long)s->id);
	stmt_params_init(&sp, ST_OUTBOX_DONE);
	sp_set(&sp, "id", id);
	sp_set(&sp, "me", nr->me);
	sp_set(&sp, "err", s->err[0] != '\0' ? s->err : NULL);
	if (!db_query_named(nr->srv->db, &sp, on_done, s, &why)) {
		/* The lease runs out; the message goes again, with its id. */
		log_info("notify: message %lld not recorded (%s): it is sent "
		    "again when its lease ends", (long long)s->id,
		    why == E_LIMIT ? "database queue full" :
		    "database unavailable");
		nr->inflight--;
		free(s);
		return;
	}
	nr->pending++;
}

static void
on_sent(void *arg, const struct http_result *h)
{
	struct send *s = arg;

	TAILQ_REMOVE(&s->nr->sends, s, entry);
	s->req = NULL;
	switch (h->fail) {
	case HTTP_OK:
		/* Mail: curl's OK is the relay's 250 to the data. */
		if (h->status >= 200 && h->status < 300)
			s->err[0] = '\0';
		else
			snprintf(s->err, sizeof s->err, "HTTP %ld from the "
			    "hook", h->status);
		break;
	case HTTP_CONNECT_TIMEOUT:
		snprintf(s->err, sizeof s->err, "no connection within %g s",
		    h->settings->connect_timeout_ms / 1000.0);
		break;
	case HTTP_TIMEOUT:
		snprintf(s->err, sizeof s->err, "no answer within %g s",
		    h->settings->timeout_ms / 1000.0);
		break;
	case HTTP_TLS_UNTRUSTED:
		snprintf(s->err, sizeof s->err, "TLS: certificate not "
		    "trusted (%s)", h->err);
		break;
	case HTTP_TLS:
		snprintf(s->err, sizeof s->err, "TLS: %s", h->err);
		break;
	default:
		snprintf(s->err, sizeof s->err, "%s", h->err != NULL &&
		    h->err[0] != '\0' ? h->err : "failed");
		break;
	}
	record(s);
}

/* A hook's signing secret, opened (additional data "hook:URL"). */
static bool MUST_CHECK
hook_secret(const char *url, const char *sealed, char *out, size_t outcap,
    char *err, size_t errlen)
{
	char aad[2100];
	uint8_t *b;
	size_t blen, n;
	bool ok;

	if (secret_current() == NULL) {
		snprintf(err, errlen, "the hook's secret cannot be opened: "
		    "cairnd has no secret_key configured");
		return false;
	}
	if (sealed == NULL || !secret_bytea_parse(sealed, &b, &blen)) {
		snprintf(err, errlen, "the hook's secret is unreadable");
		return false;
	}
	snprintf(aad, sizeof aad, "hook:%s", url);
	ok = secret_open(secret_current(), secret_previous(), aad, b, blen,
	    out, outcap, &n, err, errlen);
	free(b);
	return ok;
}

/* Start sending row i of a claim; false with s->err set when it cannot
 * start. */
static bool
start(struct send *s, const PGresult *res, int i)
{
	struct notifyrun *nr = s->nr;
	const struct config *cf = nr->srv->cf;
	const char *headers[4], *payload;
	char *msg, *hdr[2], from[MAIL_ADDR_MAX + 3], to[MAIL_ADDR_MAX + 3];
	char key[SECRET_MAX + SECRET_OVERHEAD + 1], sig[NOTIFY_SIG_LEN];
	struct http_opts o = { .method = "POST" };
	struct mail_msg m;
	size_t len;

	if (strcmp(row_text(res, i, "channel"), "email") == 0) {
		snprintf(s->what, sizeof s->what, "mail to %s",
		    row_text(res, i, "to_addr"));
		m = (struct mail_msg){ .from = cf->smtp_from,
		    .to = row_text(res, i, "to_addr"),
		    .delivery = s->delivery,
		    .subject = row_text(res, i, "subject"),
		    .text = row_text(res, i, "body"),
		    .html = row_str(res, i, "html"), .date = time(NULL) };
		if (!mail_addr_ok(m.to)) {
			snprintf(s->err, sizeof s->err, "not an address");
			return false;
		}
		msg = mail_build(&m, &len);
		snprintf(from, sizeof from, "<%s>", cf->smtp_from);
		snprintf(to, sizeof to, "<%s>", m.to);
		o = (struct http_opts){ .url = nr->smtp_url, .body = msg,
		    .bodylen = len, .mail_from = from, .mail_rcpt = to,
		    .require_tls = strcmp(cf->smtp_starttls, "off") != 0,
		    .user = cf->smtp_user, .password = cf->smtp_password };
		s->req = http_start(nr->srv->http, &o, on_sent, s, s->err,
		    sizeof s->err);
		free(msg);
		return s->req != NULL;
	}
	snprintf(s->what, sizeof s->what, "hook %lld",
	    (long long)row_int(res, i, "hook_id"));
	if (!hook_secret(row_text(res, i, "url"), row_str(res, i, "secret"),
	    key, sizeof key, s->err, sizeof s->err))
		return false;
	payload = row_text(res, i, "payload");
	notify_signature(key, payload, strlen(payload), sig);
	OPENSSL_cleanse(key, sizeof key);
	xasprintf(&hdr[0], "X-Cairn-Signature: %s", sig);
	xasprintf(&hdr[1], "X-Cairn-Delivery: %s", s->delivery);
	headers[0] = "Content-Type: application/json";
	headers[1] = hdr[0];
	headers[2] = hdr[1];
	headers[3] = NULL;
	o.url = row_text(res, i, "url");
	o.headers = headers;
	o.body = payload;
	o.bodylen = strlen(payload);
	s->req = http_start(nr->srv->http, &o, on_sent, s, s->err,
	    sizeof s->err);
	for (int k = 0; k < 2; k++)
		free(hdr[k]);
	return s->req != NULL;
}

static void
on_claim(void *arg, const PGresult *res)
{
	struct notifyrun *nr = arg;
	struct send *s;
	int n;

	if (!returned(nr))
		return;
	nr->claiming = false;
	if (!db_ok(res)) {
		const char *rule, *msg;

		(void)db_error(res, &rule, &msg);
		log_warnx("notify: taking the messages due: %s", msg);
		tick(nr, NOTIFY_TICK_MS);
		return;
	}
	n = PQntuples(res);
	for (int i = 0; i < n; i++) {
		s = xcalloc(1, sizeof *s);
		s->nr = nr;
		s->id = row_int(res, i, "id");
		snprintf(s->delivery, sizeof s->delivery, "%s",
		    row_text(res, i, "delivery"));
		nr->inflight++;
		if (start(s, res, i))
			TAILQ_INSERT_TAIL(&nr->sends, s, entry);
		else
			record(s);
	}
	tick(nr, NOTIFY_TICK_MS);
}

static void
claim(struct notifyrun *nr)
{
	char n[16], lease[16];
	struct stmt_params sp;
	enum wire_err why;
	const struct http_settings *hs = http_loop_settings(nr->srv->http);

	if (nr->claiming || nr->stopped || nr->srv->stopping ||
	    nr->inflight >= NOTIFY_INFLIGHT)
		return;
	snprintf(n, sizeof n, "%d", NOTIFY_INFLIGHT - nr->inflight);
	snprintf(lease, sizeof lease, "%d", hs->timeout_ms / 1000 +
	    NOTIFY_LEASE_SLACK_S);
	stmt_params_init(&sp, ST_OUTBOX_CLAIM);
	sp_set(&sp, "me", nr->me);
	sp_set(&sp, "n", n);
	sp_set(&sp, "lease", lease);
	sp_set(&sp, "mail", nr->smtp_url != NULL ? "true" : "false");
	if (!db_query_named(nr->srv->db, &sp, on_claim, nr, &why)) {
		tick(nr, NOTIFY_TICK_MS);
		return;
	}
	nr->claiming = true;
	nr->pending++;
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	claim(arg);
}

static void
on_tick(void *arg, const PGresult *res)
{
	struct notifyrun *nr = arg;
	const char *rule, *msg;

	if (!returned(nr))
		return;
	if (!db_ok(res)) {
		(void)db_error(res, &rule, &msg);
		log_warnx("notify: the schedules: %s", msg);
		return;
	}
	if (row_text(res, 0, "ran")[0] != '\0') {
		log_info("notify: ran %s", row_text(res, 0, "ran"));
		claim(nr);
	}
}

static void
on_sched(evutil_socket_t fd, short what, void *arg)
{
	struct notifyrun *nr = arg;
	struct stmt_params sp;
	enum wire_err why;
	char prune[16];

	if (nr->srv->stopping)
		return;
	snprintf(prune, sizeof prune, "%d", NOTIFY_PRUNE);
	stmt_params_init(&sp, ST_NOTIFY_TICK);
	sp_set(&sp, "prune", prune);
	if (db_query_named(nr->srv->db, &sp, on_tick, nr, &why))
		nr->pending++;
}

struct notifyrun *
notifyrun_start(struct server *srv)
{
	struct notifyrun *nr = xcalloc(1, sizeof *nr);
	struct timeval minute = { NOTIFY_SCHEDULE_S, 0 };
	char host[64];

	nr->srv = srv;
	TAILQ_INIT(&nr->sends);
	nr->smtp_url = mail_url(srv->cf);
	if (gethostname(host, sizeof host) != 0)
		snprintf(host, sizeof host, "?");
	host[sizeof host - 1] = '\0';
	snprintf(nr->me, sizeof nr->me, "%s:%ld", host, (long)getpid());
	if ((nr->timer = evtimer_new(srv->base, on_timer, nr)) == NULL ||
	    (nr->sched = event_new(srv->base, -1, EV_PERSIST, on_sched,
	    nr)) == NULL)
		fatalx("out of memory");
	event_add(nr->sched, &minute);
	tick(nr, NOTIFY_TICK_MS);
	if (nr->smtp_url != NULL)
		log_info("notify: mail through %s (STARTTLS %s) from %s",
		    nr->smtp_url, srv->cf->smtp_starttls, srv->cf->smtp_from);
	else
		log_info("notify: mail is off (no smtp_host); webhooks on");
	return nr;
}

void
notifyrun_kick(struct notifyrun *nr)
{
	if (nr != NULL)
		claim(nr);
}

void
notifyrun_stop(struct notifyrun *nr)
{
	struct send *s;

	if (nr == NULL)
		return;
	event_free(nr->timer);
	event_free(nr->sched);
	while ((s = TAILQ_FIRST(&nr->sends)) != NULL) {
		TAILQ_REMOVE(&nr->sends, s, entry);
		http_cancel(s->req);
		free(s);
	}
	nr->stopped = true;
	if (nr->pending == 0) {
		free(nr->smtp_url);
		free(nr);
	}
}
