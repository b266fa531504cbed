/*
 * config.c: one table of settings drives both the command line and the
 * config file, so that every option is settable in both places.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attr.h"
#include "config.h"
#include "log.h"
#include "wire.h"
#include "xmalloc.h"

/* C_LIST: a string given once per item, CONFIG_MAX_REPLICAS at most; the
 * only one is db_replica (config.db_replica, ndb_replica). */
enum ctype { C_STR, C_SIZE, C_INT, C_BOOL, C_LIST };

struct setting {
	const char	*name;		/* file key; option is --name with _ -> - */
	enum ctype	 type;
	size_t		 off;
	long long	 min, max;
	const char	*help;
};

#define S(n, t, mn, mx, h) { #n, t, offsetof(struct config, n), mn, mx, h }
static const struct setting settings[] = {
	S(listen, C_STR, 0, 0, "HOST:PORT to listen on"),
	S(cert, C_STR, 0, 0, "server certificate chain (PEM)"),
	S(key, C_STR, 0, 0, "server private key (PEM)"),
	S(secret_key, C_STR, 0, 0, "key file (64 hex chars, mode 0400) "
	    "sealing the sources' credentials"),
	S(secret_key_previous, C_STR, 0, 0, "the key secret_key replaces: "
	    "secrets it sealed are re-sealed at start"),
	S(tls_min_version, C_STR, 0, 0, "1.3 (default) or 1.2"),
	S(data_dir, C_STR, 0, 0, "run a private PostgreSQL cluster here"),
	S(db, C_STR, 0, 0, "use this external PostgreSQL (URL or conninfo)"),
	S(pg_bindir, C_STR, 0, 0, "directory holding initdb and pg_ctl"),
	S(cluster_user, C_STR, 0, 0, "account that runs the cluster when root"),
	S(user, C_STR, 0, 0, "account to serve as when started as root "
	    "(default: cluster_user)"),
	S(log_level, C_STR, 0, 0, "error, warn, info or debug"),
	S(log_format, C_STR, 0, 0, "text (default) or json (one object a "
	    "line)"),
	/* What an operator sees (issue 17, docs/operations.md "Metrics"). */
	S(metrics, C_STR, 0, 0, "HOST:PORT serving /metrics, /healthz and "
	    "/readyz over plain HTTP (unset: none)"),
	S(metrics_remote, C_INT, 0, 1, "1: let metrics be a non-loopback "
	    "address (0)"),
	S(metrics_interval, C_INT, 1, 3600, "s between reads of the "
	    "database gauges (5)"),
	S(drain_delay, C_INT, 0, 3600, "s /readyz answers 503 after SIGTERM "
	    "before the stop begins (2)"),
	S(outgoing_ca, C_STR, 0, 0, "PEM file of CAs trusted for outgoing "
	    "HTTPS (Prometheus sources), beside the system store"),
	/* Mail (issue 16, docs/operations.md "Notifications"). */
	S(smtp_host, C_STR, 0, 0, "SMTP relay for notifications (unset: no "
	    "mail)"),
	S(smtp_port, C_INT, 1, 65535, "the relay's port (587)"),
	S(smtp_starttls, C_STR, 0, 0, "required (default) or off"),
	S(smtp_user, C_STR, 0, 0, "SMTP AUTH user (unset: no AUTH)"),
	S(smtp_password_file, C_STR, 0, 0, "file holding the SMTP password "
	    "(not readable by group or others)"),
	S(smtp_from, C_STR, 0, 0, "the sender's address (cairn@HOSTNAME)"),
	S(max_frame, C_SIZE, 64, 256 << 20, "largest frame payload, bytes"),
	S(max_depth, C_SIZE, 2, MP_DEPTH_HARD_MAX, "MessagePack nesting"),
	S(max_string, C_SIZE, 16, 256 << 20, "longest string, bytes"),
	S(max_queue, C_SIZE, 1, 100000, "unanswered requests per connection"),
	S(max_output, C_SIZE, 4096, 1LL << 32, "unsent reply bytes per connection"),
	S(max_buffered, C_SIZE, 0, 1LL << 32,
	    "received bytes not yet decoded per connection (0: 2 frames)"),
	S(max_elements, C_SIZE, 16, 1 << 28,
	    "MessagePack elements in one request"),
	S(max_conns, C_SIZE, 1, 1000000, "connections at once"),
	S(max_conns_per_addr, C_SIZE, 1, 1000000,
	    "connections from one IPv4 address or IPv6 /64"),
	S(conns_reserve, C_SIZE, 0, 1000000,
	    "slots kept for addresses with few connections (max_conns/8)"),
	S(handshake_timeout, C_INT, 1, 3600, "TLS handshake timeout, s"),
	S(idle_timeout, C_INT, 1, 86400 * 7, "idle connection timeout, s"),
	S(hello_timeout, C_INT, 1, 3600, "s from TLS to a complete hello"),
	S(db_pool, C_INT, 1, 1000, "database connections"),
	S(db_pipeline, C_INT, 1, 1000, "queries in flight per connection"),
	S(db_queue, C_SIZE, 1, 10000000, "queries waiting for a connection"),
	S(db_statement_timeout, C_INT, 0, 86400000, "statement timeout, ms"),
	S(db_connect_timeout, C_INT, 1, 3600, "database connect timeout, s"),
	/* Replicas (issue 17, docs/operations.md "Replicas"). */
	{ "db_replica", C_LIST, offsetof(struct config, db_replica), 0,
	    CONFIG_MAX_REPLICAS, "a streaming replica for the reads that "
	    "tolerate lag (URL or conninfo; once per replica)" },
	S(max_replica_lag_ms, C_INT, 1, 3600000, "replay lag up to which "
	    "a replica serves those reads, ms"),
	S(stream_stall_timeout, C_INT, 1, 3600, "s a result in parts may "
	    "wait for its reader (or for a slot) before E_LIMIT"),
	S(max_streams_per_user, C_INT, 1, 1000,
	    "results in parts one user may stream at once"),
	S(watch_buffer, C_SIZE, 16384, 64 * 1024 * 1024, "bytes of events "
	    "a watcher may fall behind by before E_LIMIT"),
	S(hash_threads, C_INT, 1, 256, "password hashing threads"),
	S(hash_queue, C_SIZE, 1, 1000000,
	    "password hashes waiting in all (max_conns)"),
	S(session_idle, C_INT, 60, 86400 * 365, "session idle expiry, s"),
	S(session_max, C_INT, 60, 86400 * 365, "session absolute expiry, s"),
	S(session_recheck, C_INT, 0, 3600, "s between session re-checks"),
	S(login_slow_after, C_INT, 1, 1000, "failures before replies slow"),
	S(login_max_failures, C_INT, 1, 1000, "failures before lock-out"),
	S(login_lockout, C_INT, 1, 86400, "lock-out time, s"),
	S(login_addr_logins, C_INT, 1, 100000,
	    "names one address may be failing at once"),
	S(session_keep, C_INT, 0, 86400 * 365,
	    "s an ended session's row is kept"),
	S(housekeep_interval, C_INT, 1, 86400, "s between housekeeping runs"),
	S(shutdown_grace, C_INT, 1, 3600, "time to answer and flush at stop, s"),
	/* Before login (issue 13, docs/operations.md "Before login"). */
	S(login_grace, C_INT, 1, 3600, "s from accept to logging in"),
	S(max_startups, C_SIZE, 1, 1000000,
	    "connections not logged in (max_conns/4)"),
	S(max_startups_per_addr, C_SIZE, 1, 1000000,
	    "connections not logged in per IPv4 address or IPv6 /64"),
	S(startup_max_frame, C_SIZE, 64, 256 << 20,
	    "largest frame payload before login, bytes"),
	S(startup_max_elements, C_SIZE, 16, 1 << 28,
	    "MessagePack elements in one request before login"),
	S(startup_max_queue, C_SIZE, 1, 100000,
	    "unanswered requests per connection before login"),
	S(startup_max_output, C_SIZE, 4096, 1LL << 32,
	    "unsent reply bytes per connection before login"),
	S(hash_queue_per_addr, C_SIZE, 1, 100000,
	    "password hashes waiting per IPv4 address or IPv6 /64"),
	/* The old name, kept so that existing config files still work. */
	{ "shutdown_timeout", C_INT, offsetof(struct config, shutdown_grace),
	    1, 3600, "the same as --shutdown-grace" },
};
#undef S

void
config_defaults(struct config *c)
{
	memset(c, 0, sizeof *c);
	c->listen = xstrdup(CAIRN_DEFAULT_LISTEN);
	c->cert = xstrdup("certs/server.pem");
	c->key = xstrdup("certs/server.key");
	c->tls_min_version = xstrdup("1.3");
	c->cluster_user = xstrdup("postgres");
	c->log_level = xstrdup("info");
	c->log_format = xstrdup("text");
	c->metrics_interval = 5;
	c->drain_delay = 2;
	c->smtp_port = 587;
	c->smtp_starttls = xstrdup("required");
	c->max_frame = DEFAULT_MAX_FRAME;
	c->max_depth = DEFAULT_MAX_DEPTH;
	c->max_string = DEFAULT_MAX_STRING;
	c->max_queue = 64;
	c->max_output = 8 << 20;
	c->max_buffered = 0;		/* 2 * (max_frame + 4), see below */
	c->max_elements = 65536;
	c->max_conns = 1024;
	c->max_conns_per_addr = 256;
	c->conns_reserve = CONNS_RESERVE_AUTO;
	c->handshake_timeout = 10;
	c->idle_timeout = 300;
	c->hello_timeout = 10;
	c->db_pool = 8;
	c->db_pipeline = 32;
	c->db_queue = 10000;
	c->db_statement_timeout = 30000;
	c->db_connect_timeout = 5;
	c->max_replica_lag_ms = 1000;
	c->stream_stall_timeout = 10;
	c->max_streams_per_user = 2;
	c->watch_buffer = 256 * 1024;
	c->hash_threads = 2;
	c->hash_queue = HASH_QUEUE_AUTO;
	c->session_idle = 86400;
	c->session_max = 7 * 86400;
	c->session_recheck = 60;
	c->login_slow_after = 3;
	c->login_max_failures = 10;
	c->login_lockout = 300;
	c->login_addr_logins = 100;
	c->session_keep = 86400;
	c->housekeep_interval = 60;
	c->shutdown_grace = 10;
	c->login_grace = 30;
	c->max_startups = MAX_STARTUPS_AUTO;
	c->max_startups_per_addr = 8;
	c->startup_max_frame = 8192;
	c->startup_max_elements = 512;
	c->startup_max_queue = 8;
	c->startup_max_output = 32768;
	c->hash_queue_per_addr = 4;
}

/* On SIGHUP the problems are log lines (JSON too, with log_format); at
 * start, before logging is set up, they are "cairnd: ..." on stderr. */
static bool	reloading;

static void __attribute__((format(printf, 1, 2)))
cfg_err(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	msg[strcspn(msg, "\n")] = '\0';
	if (reloading)
		log_warnx("SIGHUP: %s", msg);
	else
		fprintf(stderr, "cairnd: %s\n", msg);
}

static const struct setting *
find(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof settings / sizeof *settings; i++) {
		const char *s = settings[i].name;
		size_t j;

		if (strlen(s) != len)
			continue;
		for (j = 0; j < len; j++)
			if (s[j] != name[j] && !(s[j] == '_' && name[j] == '-'))
				break;
		if (j == len)
			return &settings[i];
	}
	return NULL;
}

static bool MUST_CHECK
set(struct config *c, const struct setting *s, const char *val,
    const char *where)
{
	void *p = (char *)c + s->off;
	char *end;
	long long n;

	if (s->type == C_STR) {
		free(*(char **)p);
		*(char **)p = xstrdup(val);
		return true;
	}
	if (s->type == C_LIST) {
		/* The command line's list replaces the file's, as any other
		 * option overrides the file. */
		if (strcmp(where, "command line") == 0 && !c->db_replica_cli) {
			for (int i = 0; i < c->ndb_replica; i++)
				free(c->db_replica[i]);
			c->ndb_replica = 0;
			c->db_replica_cli = true;
		}
		if (*val == '\0' || c->ndb_replica == s->max) {
			fprintf(stderr, "cairnd: %s: %s: give 1 to %lld of "
			    "them, each once, not empty\n", where, s->name,
			    s->max);
			return false;
		}
		for (int i = 0; i < c->ndb_replica; i++)
			if (strcmp(c->db_replica[i], val) == 0) {
				fprintf(stderr, "cairnd: %s: %s given twice\n",
				    where, s->name);
				return false;
			}
		c->db_replica[c->ndb_replica++] = xstrdup(val);
		return true;
	}
	errno = 0;
	n = strtoll(val, &end, 10);
	if (errno != 0 || end == val || *end != '\0' || n < s->min ||
	    n > s->max) {
		cfg_err("%s: %s must be an integer from %lld "
		    "to %lld\n", where, s->name, s->min, s->max);
		return false;
	}
	if (s->type == C_SIZE)
		*(size_t *)p = (size_t)n;
	else
		*(int *)p = (int)n;
	return true;
}

bool
config_load_file(struct config *c, const char *path)
{
	char line[4096], where[512];
	FILE *f;
	int lineno = 0;
	bool ok = true;

	if ((f = fopen(path, "r")) == NULL) {
		cfg_err("%s: %s\n", path, strerror(errno));
		return false;
	}
	while (ok && fgets(line, sizeof line, f) != NULL) {
		char *k = line, *eq, *v, *e;
		const struct setting *s;

		lineno++;
		snprintf(where, sizeof where, "%s:%d", path, lineno);
		while (isspace((unsigned char)*k))
			k++;
		if (*k == '#' || *k == '\0')
			continue;
		if ((eq = strchr(k, '=')) == NULL) {
			cfg_err("%s: expected key = value\n",
			    where);
			ok = false;
			break;
		}
		for (e = eq; e > k && isspace((unsigned char)e[-1]); e--)
			;
		v = eq + 1;
		while (isspace((unsigned char)*v))
			v++;
		for (char *t = v + strlen(v); t > v &&
		    isspace((unsigned char)t[-1]); t--)
			t[-1] = '\0';
		if ((s = find(k, e - k)) == NULL) {
			cfg_err("%s: unknown setting '%.*s'\n",
			    where, (int)(e - k), k);
			ok = false;
			break;
		}
		ok = set(c, s, v, where);
	}
	fclose(f);
	return ok;
}

/*
 * --dump-settings (hidden): the settings table, one per line, as
 * NAME<TAB>TYPE<TAB>DEFAULT<TAB>MIN<TAB>MAX<TAB>HELP, for the man page
 * cairnd.conf(5) (docs/man/settings.sh), so that it cannot drift from
 * this table.  TYPE is string, integer or alias:NAME (an old name for
 * NAME); DEFAULT is "-" when unset or worked out at start (the help says
 * how).
 */
void
config_dump_settings(FILE *f)
{
	struct config d;

	config_defaults(&d);
	for (size_t i = 0; i < sizeof settings / sizeof *settings; i++) {
		const struct setting *s = &settings[i];
		const void *p = (const char *)&d + s->off;
		const char *alias = NULL;

		for (size_t j = 0; j < i; j++)
			if (settings[j].off == s->off)
				alias = settings[j].name;
		if (alias != NULL) {
			fprintf(f, "%s\talias:%s\t-\t\t\t%s\n", s->name, alias,
			    s->help);
			continue;
		}
		switch (s->type) {
		case C_STR:
			fprintf(f, "%s\tstring\t%s\t\t\t%s\n", s->name,
			    *(char *const *)p != NULL ? *(char *const *)p : "-",
			    s->help);
			break;
		case C_SIZE:
			if (*(const size_t *)p == (size_t)-1)
				fprintf(f, "%s\tinteger\t-\t%lld\t%lld\t%s\n",
				    s->name, s->min, s->max, s->help);
			else
				fprintf(f, "%s\tinteger\t%zu\t%lld\t%lld\t%s\n",
				    s->name, *(const size_t *)p, s->min, s->max,
				    s->help);
			break;
		case C_INT:
		case C_BOOL:	/* set() stores both as an int */
			fprintf(f, "%s\tinteger\t%d\t%lld\t%lld\t%s\n", s->name,
			    *(const int *)p, s->min, s->max, s->help);
			break;
		default:	/* a type added later: listed, its default not */
			fprintf(f, "%s\tvalue\t-\t\t\t%s\n", s->name, s->help);
			break;
		}
	}
	config_free(&d);
}

void
config_usage(void)
{
	fprintf(stderr,
	    "usage: cairnd [--config FILE] [--listen HOST:PORT] [--cert FILE] "
	    "[--key FILE]\n"
	    "              [--data-dir DIR | --db URL] "
	    "[--init-admin LOGIN [--password-stdin] | --demo]\n"
	    "              [--SETTING VALUE ...]\n\nsettings:\n");
	for (size_t i = 0; i < sizeof settings / sizeof *settings; i++) {
		char opt[64];
		snprintf(opt, sizeof opt, "--%s", settings[i].name);
		for (char *p = opt; *p; p++)
			if (*p == '_')
				*p = '-';
		fprintf(stderr, "  %-24s %s\n", opt, settings[i].help);
	}
}

/*
 * The config file is read first (wherever --config appears), then the other
 * options override it.
 */
bool
config_parse_args(struct config *c, int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--config") == 0) {
			if (i + 1 >= argc) {
				config_usage();
				return false;
			}
			if (!config_load_file(c, argv[++i]))
				return false;
			free(c->config_file);
			c->config_file = xstrdup(argv[i]);
		}
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const struct setting *s;

		if (strcmp(a, "--config") == 0) {
			i++;
			continue;
		}
		if (strcmp(a, "--password-stdin") == 0) {
			c->password_stdin = true;
			continue;
		}
		if (strcmp(a, "--demo") == 0) {
			c->demo = true;
			continue;
		}
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			config_usage();
			return false;
		}
		if (strcmp(a, "--dump-settings") == 0) {
			config_dump_settings(stdout);
			exit(fflush(stdout) == 0 && !ferror(stdout) ? 0 : 1);
		}
		if (strcmp(a, "--version") == 0) {
			printf("cairnd %s\n", CAIRN_VERSION);
			exit(0);
		}
		if (strncmp(a, "--", 2) != 0 || i + 1 >= argc) {
			cfg_err("bad argument '%s'\n", a);
			config_usage();
			return false;
		}
		if (strcmp(a, "--init-admin") == 0) {
			free(c->init_admin);
			c->init_admin = xstrdup(argv[++i]);
			continue;
		}
		if ((s = find(a + 2, strlen(a + 2))) == NULL) {
			cfg_err("unknown option '%s'\n", a);
			config_usage();
			return false;
		}
		if (!set(c, s, argv[++i], "command line"))
			return false;
	}
	if (c->db != NULL && c->data_dir != NULL) {
		cfg_err("give --data-dir or --db, not both\n");
		return false;
	}
	if (c->db == NULL && c->data_dir == NULL)
		c->data_dir = xstrdup("var");
	/* Room for one whole frame being read while one waits its turn. */
	if (c->max_buffered == 0)
		c->max_buffered = 2 * (c->max_frame + FRAME_HEADER_SIZE);
	if (c->max_buffered < c->max_frame + FRAME_HEADER_SIZE) {
		cfg_err("max_buffered (%zu) must be at least "
		    "max_frame + %d (%zu), or one frame could never be read\n",
		    c->max_buffered, FRAME_HEADER_SIZE,
		    c->max_frame + FRAME_HEADER_SIZE);
		return false;
	}
	if (strcmp(c->log_format, "text") != 0 &&
	    strcmp(c->log_format, "json") != 0) {
		cfg_err("log_format is text or json\n");
		return false;
	}
	if (strcmp(c->log_level, "error") != 0 &&
	    strcmp(c->log_level, "warn") != 0 &&
	    strcmp(c->log_level, "info") != 0 &&
	    strcmp(c->log_level, "debug") != 0) {
		cfg_err("log_level must be error, warn, info "
		    "or debug\n");
		return false;
	}
	if (strcmp(c->smtp_starttls, "required") != 0 &&
	    strcmp(c->smtp_starttls, "off") != 0) {
		cfg_err("smtp_starttls is required or off\n");
		return false;
	}
	if (c->max_startups == MAX_STARTUPS_AUTO)
		c->max_startups = c->max_conns / 4 > 0 ? c->max_conns / 4 : 1;
	if (c->hash_queue == HASH_QUEUE_AUTO)
		c->hash_queue = c->max_conns;
	/* The limits before login never exceed those after. */
	if (c->startup_max_frame > c->max_frame)
		c->startup_max_frame = c->max_frame;
	if (c->startup_max_elements > c->max_elements)
		c->startup_max_elements = c->max_elements;
	if (c->startup_max_queue > c->max_queue)
		c->startup_max_queue = c->max_queue;
	if (c->startup_max_output > c->max_output)
		c->startup_max_output = c->max_output;
	return true;
}

/*
 * The settings SIGHUP changes live: each is read where it is used, each
 * time (a timeout when its timer is next set, a limit when it is next
 * checked), so that taking the new value is all a reload does.  Every
 * other setting is fixed at start (sockets, the database and its pool,
 * threads, tables sized from it, the protocol's frame limits that a
 * connection's buffers are sized by): docs/operations.md, "Signals".
 */
static const char *const live[] = {
	"log_level", "log_format",
	"max_queue", "max_output", "max_conns_per_addr",
	"max_startups_per_addr", "startup_max_queue", "startup_max_output",
	"handshake_timeout", "idle_timeout", "hello_timeout", "login_grace",
	"stream_stall_timeout", "max_streams_per_user", "watch_buffer",
	"session_idle", "session_max", "session_recheck", "session_keep",
	"housekeep_interval", "shutdown_grace", "drain_delay",
	"metrics_interval",
};

static bool
is_live(const char *name)
{
	for (size_t i = 0; i < sizeof live / sizeof *live; i++)
		if (strcmp(live[i], name) == 0)
			return true;
	return false;
}

static void
value_str(const struct config *c, const struct setting *s, char *out,
    size_t len)
{
	const void *p = (const char *)c + s->off;

	if (s->type == C_STR)
		snprintf(out, len, "%s", *(char *const *)p != NULL ?
		    *(char *const *)p : "(unset)");
	else if (s->type == C_SIZE)
		snprintf(out, len, "%zu", *(const size_t *)p);
	else
		snprintf(out, len, "%d", *(const int *)p);
}

bool
config_reload(struct config *cf, int argc, char **argv)
{
	struct config n;
	int changed = 0, ignored = 0;

	config_defaults(&n);
	reloading = true;
	if (!config_parse_args(&n, argc, argv)) {
		reloading = false;
		config_free(&n);
		return false;
	}
	reloading = false;
	for (size_t i = 0; i < sizeof settings / sizeof *settings; i++) {
		const struct setting *s = &settings[i];
		char was[256], now[256];

		/* The alias shares shutdown_grace's field. */
		if (strcmp(s->name, "shutdown_timeout") == 0)
			continue;
		value_str(cf, s, was, sizeof was);
		value_str(&n, s, now, sizeof now);
		if (strcmp(was, now) == 0)
			continue;
		if (!is_live(s->name)) {
			ignored++;
			log_warnx("SIGHUP: %s changed to %s but needs a "
			    "restart: ignored, still %s", s->name, now, was);
			continue;
		}
		changed++;
		log_info("SIGHUP: %s changed from %s to %s", s->name, was,
		    now);
		if (s->type == C_STR) {
			char **p = (char **)((char *)cf + s->off);
			free(*p);
			*p = xstrdup(*(char **)((char *)&n + s->off));
		} else if (s->type == C_SIZE)
			*(size_t *)((char *)cf + s->off) =
			    *(size_t *)((char *)&n + s->off);
		else
			*(int *)((char *)cf + s->off) =
			    *(int *)((char *)&n + s->off);
	}
	log_info("SIGHUP: configuration read again: %d setting%s changed, "
	    "%d ignored (restart-only)", changed, changed == 1 ? "" : "s",
	    ignored);
	config_free(&n);
	return true;
}

void
config_free(struct config *c)
{
	for (size_t i = 0; i < sizeof settings / sizeof *settings; i++)
		if (settings[i].type == C_STR)
			free(*(char **)((char *)c + settings[i].off));
	for (int i = 0; i < c->ndb_replica; i++)
		free(c->db_replica[i]);
	free(c->init_admin);
	free(c->config_file);
	if (c->smtp_password != NULL) {
		explicit_bzero(c->smtp_password, strlen(c->smtp_password));
		free(c->smtp_password);
	}
	memset(c, 0, sizeof *c);
}
