/*
 * cairn-bench: a load generator for cairnd.
 *
 * One libevent loop drives N verified TLS connections (bufferevent_openssl).
 * Each connection says hello, resumes a session obtained once beforehand
 * (session.login is slow on purpose, so it is done a single time over a
 * blocking peer), and waits.  When every connection is ready the clock
 * starts: each keeps D requests in flight (pipelining) for the duration,
 * then sending stops, the in-flight requests are drained, and one line of
 * key=value pairs is printed:
 *
 *   op=read clients=32 depth=4 requests=123456 seconds=10.00 rps=12345.6
 *   p50_ms=1.234 p99_ms=5.678 max_ms=9.876 errors=0 lost=0
 *
 * requests counts the responses received inside the timed window (error
 * responses included); errors counts ok=false responses (window and drain);
 * lost counts connections that died during the run.  With --reconnect a
 * dropped connection is made again and its requests in flight sent again
 * (drops=, resent=, reconnect_fails=, recover_ms=: see usage).
 *
 * Exit status: 0 clean run, 1 set-up failure or deadline, 2 the run
 * completed but saw errors or lost connections.
 */
#include <sys/resource.h>
#include <sys/socket.h>

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "bench.h"
#include "peer.h"
#include "tls.h"
#include "wire.h"
#include "xmalloc.h"

static void
usage(void)
{
	fprintf(stderr,
	    "usage: cairn-bench --ca FILE [--server HOST:PORT] [--clients N]\n"
	    "           [--duration SECONDS] [--depth D]\n"
	    "           [--op ping|read|record|checkin|call] [--kpi ID] "
	    "[--kr-file FILE]\n"
	    "           [--call OP [--arg KEY=VALUE ...]] [--rate N]\n"
	    "           [--login LOGIN --password-file FILE]\n"
	    "           [--reconnect] [--acked FILE]\n"
	    "       cairn-bench time RUNS COMMAND [ARG ...]\n"
	    "  --server    cairnd address (default 127.0.0.1:7443)\n"
	    "  --ca        CA certificate that signed the server's (required)\n"
	    "  --clients   connections (default 32)\n"
	    "  --duration  timed phase in seconds, may be fractional "
	    "(default 10)\n"
	    "  --depth     requests kept in flight per connection "
	    "(default 4)\n"
	    "  --op        ping (no database), read (user.get LOGIN; "
	    "needs --login)\n"
	    "              or record (kpi.record of one reading; needs "
	    "--login and --kpi)\n"
	    "  --kpi       the KPI --op record records\n"
	    "  --op checkin: kr.checkin of key results read from --kr-file\n"
	    "              (ids, one a line; connection i of N checks in "
	    "those on\n"
	    "              lines i, i + N, i + 2N ... in turn; needs "
	    "--login)\n"
	    "  --op call:  one request OP (--call) with string arguments, "
	    "asking for\n"
	    "              parts, over one connection, timed from sending "
	    "to its final\n"
	    "              frame (ms=), with the result's server_ms, the "
	    "parts and bytes\n"
	    "  --op watch: event.watch on each connection; a sample per "
	    "event, from its\n"
	    "              \"at\" to its arrival (requests= events received)\n"
	    "  --rate      N requests a second in all (default: depth in "
	    "flight each)\n"
	    "  --reconnect a connection that drops is made again (backoff "
	    "50 ms to 1 s)\n"
	    "              and its requests in flight sent again (ping, "
	    "read, checkin:\n"
	    "              safe twice); reports drops, resent, "
	    "reconnect_fails and\n"
	    "              recover_ms (longest drop to next success)\n"
	    "  --acked     --op checkin: each acknowledged check-in to FILE, "
	    "\"KEY KR VALUE\"\n"
	    "              (each check-in then carries its key as its "
	    "note)\n"
	    "  --login, --password-file\n"
	    "              log in once, then every connection resumes the "
	    "session\n"
	    "  time:       run COMMAND RUNS times, its output to /dev/null, "
	    "and print\n"
	    "              the median, least and greatest wall time in ms\n");
	exit(1);
}

static long
parse_long(const char *opt, const char *s, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max) {
		fprintf(stderr, "cairn-bench: %s: want an integer from %ld "
		    "to %ld, not '%s'\n", opt, min, max, s);
		exit(1);
	}
	return v;
}

static void
parse_args(struct bench *b, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "server",		required_argument, NULL, 's' },
		{ "ca",			required_argument, NULL, 'a' },
		{ "clients",		required_argument, NULL, 'c' },
		{ "duration",		required_argument, NULL, 'd' },
		{ "depth",		required_argument, NULL, 'D' },
		{ "op",			required_argument, NULL, 'o' },
		{ "login",		required_argument, NULL, 'l' },
		{ "password-file",	required_argument, NULL, 'p' },
		{ "kpi",		required_argument, NULL, 'k' },
		{ "kr-file",		required_argument, NULL, 'K' },
		{ "call",		required_argument, NULL, 'C' },
		{ "arg",		required_argument, NULL, 'A' },
		{ "rate",		required_argument, NULL, 'r' },
		{ "reconnect",		no_argument,	   NULL, 'R' },
		{ "acked",		required_argument, NULL, 'k' + 256 },
		{ "help",		no_argument,	   NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	char *end;
	int ch;

	b->server = CAIRN_DEFAULT_LISTEN;
	b->nclients = 32;
	b->depth = 4;
	b->duration = 10;
	b->op = OP_PING;
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 's': b->server = optarg; break;
		case 'a': b->ca = optarg; break;
		case 'c':
			b->nclients = (int)parse_long("--clients", optarg, 1,
			    10000);
			break;
		case 'D':
			b->depth = (int)parse_long("--depth", optarg, 1, 4096);
			break;
		case 'd':
			errno = 0;
			b->duration = strtod(optarg, &end);
			if (errno != 0 || end == optarg || *end != '\0' ||
			    !(b->duration > 0 && b->duration <= 86400)) {
				fprintf(stderr, "cairn-bench: --duration: want "
				    "seconds (0 < s <= 86400), not '%s'\n",
				    optarg);
				exit(1);
			}
			break;
		case 'o':
			if (strcmp(optarg, "ping") == 0)
				b->op = OP_PING;
			else if (strcmp(optarg, "read") == 0)
				b->op = OP_READ;
			else if (strcmp(optarg, "record") == 0)
				b->op = OP_RECORD;
			else if (strcmp(optarg, "checkin") == 0)
				b->op = OP_CHECKIN;
			else if (strcmp(optarg, "call") == 0)
				b->op = OP_CALL;
			else if (strcmp(optarg, "watch") == 0)
				b->op = OP_WATCH;
			else {
				fprintf(stderr, "cairn-bench: --op: want ping, "
				    "read, record or checkin, not '%s'\n",
				    optarg);
				exit(1);
			}
			break;
		case 'l': b->login = optarg; break;
		case 'p': b->password_file = optarg; break;
		case 'k':
			b->kpi = parse_long("--kpi", optarg, 1, LONG_MAX);
			break;
		case 'K': b->kr_file = optarg; break;
		case 'R': b->reconnect = true; break;
		case 'k' + 256: b->acked_path = optarg; break;
		case 'C': b->call_op = optarg; break;
		case 'r':
			b->rate = (double)parse_long("--rate", optarg, 1,
			    1000000);
			break;
		case 'A': {
			char *eq = strchr(optarg, '=');

			if (eq == NULL || eq == optarg ||
			    b->ncall_args == CALL_MAX_ARGS) {
				fprintf(stderr, "cairn-bench: --arg: want "
				    "KEY=VALUE (at most %d), not '%s'\n",
				    CALL_MAX_ARGS, optarg);
				exit(1);
			}
			b->call_key[b->ncall_args] = xstrndup(optarg,
			    (size_t)(eq - optarg));
			b->call_val[b->ncall_args++] = eq + 1;
			break;
		}
		default: usage();
		}
	}
	if (optind != argc) {
		fprintf(stderr, "cairn-bench: unexpected argument '%s'\n",
		    argv[optind]);
		usage();
	}
	if (b->ca == NULL) {
		fprintf(stderr, "cairn-bench: --ca is required\n");
		usage();
	}
	if (b->op != OP_PING && b->login == NULL) {
		fprintf(stderr, "cairn-bench: --op read, record, checkin and "
		    "call need --login and --password-file\n");
		exit(1);
	}
	if ((b->op == OP_RECORD) != (b->kpi > 0)) {
		fprintf(stderr, "cairn-bench: --kpi goes with --op record\n");
		exit(1);
	}
	if ((b->op == OP_CALL) != (b->call_op != NULL) ||
	    (b->op != OP_CALL && b->ncall_args > 0)) {
		fprintf(stderr, "cairn-bench: --call and --arg go with --op "
		    "call\n");
		exit(1);
	}
	if (b->op == OP_CALL) {
		b->nclients = 1;
		b->depth = 1;
	}
	if (b->op == OP_WATCH)
		b->depth = 1;		/* the one watch request */
	if ((b->op == OP_CHECKIN) != (b->kr_file != NULL)) {
		fprintf(stderr, "cairn-bench: --kr-file goes with --op "
		    "checkin\n");
		exit(1);
	}
	if (b->reconnect && b->op != OP_PING && b->op != OP_READ &&
	    b->op != OP_CHECKIN) {
		fprintf(stderr, "cairn-bench: --reconnect goes with --op ping, "
		    "read or checkin (requests safe to send twice)\n");
		exit(1);
	}
	if (b->acked_path != NULL && b->op != OP_CHECKIN) {
		fprintf(stderr, "cairn-bench: --acked goes with --op "
		    "checkin\n");
		exit(1);
	}
	if ((b->login == NULL) != (b->password_file == NULL)) {
		fprintf(stderr, "cairn-bench: --login and --password-file go "
		    "together\n");
		exit(1);
	}
	if (!parse_hostport(b->server, b->host, sizeof b->host, b->port,
	    sizeof b->port)) {
		fprintf(stderr, "cairn-bench: bad --server '%s' (want "
		    "HOST:PORT)\n", b->server);
		exit(1);
	}
}

/* The first line of the file, without its newline. */
static char *
read_password(const char *path)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL) {
		fprintf(stderr, "cairn-bench: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	n = getline(&line, &cap, f);
	fclose(f);
	if (n <= 0) {
		fprintf(stderr, "cairn-bench: %s: empty\n", path);
		free(line);
		return NULL;
	}
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	return line;
}

/*
 * The key results of --op checkin: positive ids, one a line; at least one
 * per connection, so that no connection is without its own.
 */
static bool
read_krs(struct bench *b)
{
	char *line = NULL, *end;
	size_t cap = 0, alloc = 0;
	unsigned long lineno = 0;
	long long v;
	FILE *f;
	bool ok = true;

	if ((f = fopen(b->kr_file, "r")) == NULL) {
		fprintf(stderr, "cairn-bench: %s: %s\n", b->kr_file,
		    strerror(errno));
		return false;
	}
	while (ok && getline(&line, &cap, f) > 0) {
		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '\0')
			continue;
		errno = 0;
		v = strtoll(line, &end, 10);
		if (errno != 0 || end == line || *end != '\0' || v < 1) {
			fprintf(stderr, "cairn-bench: %s:%lu: want a key "
			    "result id, not '%s'\n", b->kr_file, lineno, line);
			ok = false;
			break;
		}
		if (b->nkrs == alloc) {
			alloc = alloc ? 2 * alloc : 1024;
			b->krs = xrealloc(b->krs, alloc * sizeof *b->krs);
		}
		b->krs[b->nkrs++] = v;
	}
	fclose(f);
	free(line);
	if (ok && b->nkrs < (size_t)b->nclients) {
		fprintf(stderr, "cairn-bench: %s: %zu key results for %d "
		    "connections (want one each at least)\n", b->kr_file,
		    b->nkrs, b->nclients);
		ok = false;
	}
	return ok;
}

/* One blocking request over the login peer; the result string in out. */
static bool
peer_call(struct peer *p, msgpack_sbuffer *sb, uint64_t want_id,
    const char *what, const char *result_key, char **out)
{
	struct mp_doc doc;
	const msgpack_object *result, *v;
	char code[64], msg[256];
	const char *why;
	uint64_t id;
	bool ok, rc = false;

	if (!peer_roundtrip(p, sb, &doc)) {
		fprintf(stderr, "cairn-bench: %s: %s\n", what, p->err);
		return false;
	}
	if (!parse_response(doc.root, &id, &ok, &result, code, sizeof code,
	    msg, sizeof msg, &why))
		fprintf(stderr, "cairn-bench: %s: %s\n", what, why);
	else if (id != want_id)
		fprintf(stderr, "cairn-bench: %s: response id %llu, want "
		    "%llu\n", what, (unsigned long long)id,
		    (unsigned long long)want_id);
	else if (!ok)
		fprintf(stderr, "cairn-bench: %s: %s: %s\n", what, code, msg);
	else if (result_key == NULL)
		rc = true;
	else if ((v = mp_map_get(result, result_key)) == NULL ||
	    v->type != MSGPACK_OBJECT_STR)
		fprintf(stderr, "cairn-bench: %s: no %s in the result\n",
		    what, result_key);
	else {
		*out = xstrndup(v->via.str.ptr, v->via.str.size);
		rc = true;
	}
	mp_doc_free(&doc);
	return rc;
}

/* Log in once over a blocking connection and keep the session token. */
static bool
login_once(struct bench *b)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;
	struct peer p;
	char *password;
	bool ok = false;

	if ((password = read_password(b->password_file)) == NULL)
		return false;
	if (!peer_connect(&p, b->server, b->ca, LOGIN_TIMEOUT_MS)) {
		fprintf(stderr, "cairn-bench: %s\n", p.err);
		peer_close(&p);
		goto out;
	}
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	pack_hello(&pk, ID_HELLO);
	if (peer_call(&p, &sb, ID_HELLO, "hello", NULL, NULL)) {
		msgpack_sbuffer_clear(&sb);
		pack_begin(&pk, ID_HELLO + 1, "session.login", 2);
		mp_kv_str(&pk, "login", b->login);
		mp_kv_str(&pk, "password", password);
		ok = peer_call(&p, &sb, ID_HELLO + 1, "session.login",
		    "token", &b->token);
	}
	msgpack_sbuffer_destroy(&sb);
	peer_close(&p);
out:
	explicit_bzero(password, strlen(password));
	free(password);
	return ok;
}

static bool
resolve(struct bench *b)
{
	struct addrinfo hints = { 0 }, *res;
	int rc;

	hints.ai_socktype = SOCK_STREAM;
	if ((rc = getaddrinfo(b->host, b->port, &hints, &res)) != 0) {
		fprintf(stderr, "cairn-bench: %s: %s\n", b->host,
		    gai_strerror(rc));
		return false;
	}
	memcpy(&b->addr, res->ai_addr, res->ai_addrlen);
	b->addrlen = res->ai_addrlen;
	freeaddrinfo(res);
	return true;
}

/* Latency samples and the report. */

static int
cmp_u64(const void *a, const void *bb)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)bb;

	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of the sorted samples, in ms. */
static double
pct_ms(const struct bench *b, double p)
{
	size_t rank;

	if (b->nlat == 0)
		return 0;
	/* ceil(p * n), without libm */
	rank = (size_t)(p * (double)b->nlat);
	if ((double)rank < p * (double)b->nlat)
		rank++;
	if (rank < 1)
		rank = 1;
	if (rank > b->nlat)
		rank = b->nlat;
	return (double)b->lat[rank - 1] / 1e6;
}

static void
report(struct bench *b)
{
	double secs = (double)(b->t_stop - b->t_start) / 1e9;

	qsort(b->lat, b->nlat, sizeof *b->lat, cmp_u64);
	printf("op=%s clients=%d depth=%d requests=%llu seconds=%.2f "
	    "rps=%.1f p50_ms=%.3f p99_ms=%.3f max_ms=%.3f errors=%llu "
	    "lost=%llu",
	    b->op == OP_READ ? "read" : b->op == OP_RECORD ? "record" :
	    b->op == OP_CHECKIN ? "checkin" : b->op == OP_CALL ? "call" :
	    b->op == OP_WATCH ? "watch" : "ping",
	    b->nclients, b->depth,
	    (unsigned long long)b->requests, secs,
	    secs > 0 ? (double)b->requests / secs : 0.0,
	    pct_ms(b, 0.50), pct_ms(b, 0.99), pct_ms(b, 1.0),
	    (unsigned long long)b->errors, (unsigned long long)b->lost);
	if (b->errors > 0)
		printf(" first_error=%s", b->first_code);
	if (b->reconnect)
		printf(" drops=%llu resent=%llu reconnect_fails=%llu "
		    "recover_ms=%.1f", (unsigned long long)b->drops,
		    (unsigned long long)b->resent,
		    (unsigned long long)b->reconnect_fails,
		    (double)b->recover_max / 1e6);
	/* This process's own CPU, setup included: what the generator took
	 * from the cores it shares with cairnd. */
	struct rusage ru;
	if (getrusage(RUSAGE_SELF, &ru) == 0)
		printf(" cpu_ms=%.0f", (double)(ru.ru_utime.tv_sec +
		    ru.ru_stime.tv_sec) * 1e3 + (double)(ru.ru_utime.tv_usec +
		    ru.ru_stime.tv_usec) / 1e3);
	if (b->op == OP_CALL)
		printf(" call=%s ms=%.3f server_ms=%lld parts=%llu bytes=%llu",
		    b->call_op, pct_ms(b, 1.0), (long long)b->server_ms,
		    (unsigned long long)b->parts,
		    (unsigned long long)b->bytes);
	printf("\n");
	fflush(stdout);
	if (b->errors > 0)
		fprintf(stderr, "cairn-bench: first error: %s\n",
		    b->first_err);
}

int
main(int argc, char **argv)
{
	struct bench b;
	struct timeval tv;
	char why[256];
	uint64_t t0, left;
	int rc = 1, opened = 0;

	/* A mode of its own: the wall time of a command, for the CLI rows. */
	if (argc > 1 && strcmp(argv[1], "time") == 0)
		return bench_time(argc - 2, argv + 2);
	memset(&b, 0, sizeof b);
	b.server_ms = -1;
	t0 = now_ns();
	parse_args(&b, argc, argv);
	signal(SIGPIPE, SIG_IGN);
	/* Backstop, should even the event loop's deadline not fire. */
	alarm((unsigned)b.duration + GRACE_SECONDS + 6);
	b.lim.max_depth = MP_DEPTH_HARD_MAX;
	b.lim.max_string = DEFAULT_MAX_FRAME;
	msgpack_zone_init(&b.zone, 64 * 1024);

	if ((b.ctx = tls_client_ctx(b.ca, why, sizeof why)) == NULL) {
		fprintf(stderr, "cairn-bench: %s\n", why);
		goto out;
	}
	if (!resolve(&b))
		goto out;
	if (b.op == OP_CHECKIN && !read_krs(&b))
		goto out;
	/* Idempotency keys unique across runs on the same database. */
	snprintf(b.nonce, sizeof b.nonce, "bench%llx",
	    (unsigned long long)(time(NULL) ^ (getpid() << 16)));
	if (b.login != NULL && !login_once(&b))
		goto out;
	if (b.acked_path != NULL && (b.acked = fopen(b.acked_path, "w")) ==
	    NULL) {
		fprintf(stderr, "cairn-bench: %s: %s\n", b.acked_path,
		    strerror(errno));
		goto out;
	}

	b.caplat = 1 << 20;
	b.lat = xmalloc(b.caplat * sizeof *b.lat);
	if ((b.base = event_base_new()) == NULL) {
		fprintf(stderr, "cairn-bench: event_base_new failed\n");
		goto out;
	}
	b.stop_ev = evtimer_new(b.base, stop_cb, &b);
	b.deadline_ev = evtimer_new(b.base, deadline_cb, &b);
	/* Hard deadline: duration + GRACE_SECONDS from the start. */
	left = (uint64_t)((b.duration + GRACE_SECONDS) * 1e9);
	left = now_ns() - t0 < left ? left - (now_ns() - t0) : 1;
	tv.tv_sec = (time_t)(left / 1000000000u);
	tv.tv_usec = (suseconds_t)(left % 1000000000u / 1000);
	evtimer_add(b.deadline_ev, &tv);

	b.conns = xcalloc(b.nclients, sizeof *b.conns);
	for (opened = 0; opened < b.nclients; opened++)
		if (!conn_open(&b, &b.conns[opened], opened)) {
			opened++;
			goto out;
		}
	event_base_dispatch(b.base);
	if (b.phase == PH_SETUP) {
		if (!b.failed)
			fprintf(stderr, "cairn-bench: the run never started\n");
		goto out;
	}
	if (b.t_stop == 0)		/* deadline before the timer */
		b.t_stop = now_ns();
	report(&b);
	if (b.failed)	/* deadline: the server never answered these */
		fprintf(stderr, "cairn-bench: %zu requests left unanswered\n",
		    b.inflight);
	else
		rc = b.errors > 0 || b.lost > 0 ? 2 : 0;
out:
	if (b.acked != NULL && fclose(b.acked) != 0) {
		fprintf(stderr, "cairn-bench: %s: %s\n", b.acked_path,
		    strerror(errno));
		rc = 1;
	}
	for (int i = 0; i < opened; i++)
		conn_free(&b.conns[i]);
	free(b.conns);
	if (b.rate_ev != NULL)
		event_free(b.rate_ev);
	if (b.stop_ev != NULL)
		event_free(b.stop_ev);
	if (b.deadline_ev != NULL)
		event_free(b.deadline_ev);
	if (b.base != NULL)
		event_base_free(b.base);
	SSL_CTX_free(b.ctx);
	if (b.token != NULL) {
		explicit_bzero(b.token, strlen(b.token));
		free(b.token);
	}
	free(b.lat);
	free(b.krs);
	for (int i = 0; i < b.ncall_args; i++)
		free(b.call_key[i]);
	msgpack_zone_destroy(&b.zone);
	libevent_global_shutdown();
	return rc;
}
