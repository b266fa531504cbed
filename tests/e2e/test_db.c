/*
 * test_db.c: the database pool (server/db.c) against the real PostgreSQL
 * of the end-to-end run, with a statement table of its own, so that what
 * cairnd's statements cannot provoke at will can be provoked here: many
 * reads failing inside shared batches, and a write whose commit fails at
 * its sync.  Every answer is checked against the query that asked.
 *
 * CAIRN_TEST_PGHOST is the cluster's socket directory.
 */
#define _GNU_SOURCE	/* unshare(2) */
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>
#include <event2/thread.h>
#include <libpq-fe.h>

#include "db.h"
#include "stmt.h"
#include "log.h"

enum { T_ECHO, T_FAIL, T_DEFER, T_COUNT, T_WRITE, T_SERIES, T_N };

static const struct stmt_def tab[T_N] = {
	[T_ECHO] = { "t_echo", STMT_READ,
	    "SELECT $1::int AS v, $2::text AS tag" },
	[T_FAIL] = { "t_fail", STMT_READ, "SELECT 1 / $1::int AS v" },
	/* The foreign key is checked at commit: the error comes at the sync,
	 * after the INSERT reported success. */
	[T_DEFER] = { "t_defer", STMT_WRITE,
	    "INSERT INTO cairn_dbtest.t (v, ref) VALUES ($1::int, $2::int)"
	    " RETURNING id" },
	[T_COUNT] = { "t_count", STMT_READ,
	    "SELECT count(*) FROM cairn_dbtest.t WHERE v = $1::int" },
	[T_WRITE] = { "t_write", STMT_WRITE,
	    "INSERT INTO cairn_dbtest.t (v) VALUES ($1::int) RETURNING v" },
	[T_SERIES] = { "t_series", STMT_READ,
	    "SELECT generate_series(1, $1::int) AS v" },
};

static char conninfo[512];

static void
sql_now(const char *sql)
{
	PGconn *pg = PQconnectdb(conninfo);
	PGresult *r;

	if (PQstatus(pg) != CONNECTION_OK)
		fail_msg("connect: %s", PQerrorMessage(pg));
	r = PQexec(pg, sql);
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		fail_msg("%s: %s", sql, PQresultErrorMessage(r));
	PQclear(r);
	PQfinish(pg);
}

struct ask {
	int		 kind;
	int		 v;
	bool		 answered;
	bool		 right;
	char		 why[160];
};

static int outstanding;
static struct event_base *base;

static void
answered(void *arg, const PGresult *res)
{
	struct ask *a = arg;
	char tag[32];

	if (a->answered) {
		snprintf(a->why, sizeof a->why, "answered twice");
		a->right = false;
		return;
	}
	a->answered = true;
	outstanding--;
	if (outstanding == 0)
		event_base_loopbreak(base);
	if (res == NULL) {
		snprintf(a->why, sizeof a->why, "connection lost");
		return;
	}
	switch (a->kind) {
	case T_ECHO:
		snprintf(tag, sizeof tag, "q%d", a->v);
		if (!db_ok(res) || PQntuples(res) != 1 ||
		    atoi(PQgetvalue(res, 0, 0)) != a->v ||
		    strcmp(PQgetvalue(res, 0, 1), tag) != 0) {
			snprintf(a->why, sizeof a->why, "echo %d got %s/%s",
			    a->v, db_ok(res) && PQntuples(res) ?
			    PQgetvalue(res, 0, 0) : "error",
			    db_ok(res) && PQntuples(res) ?
			    PQgetvalue(res, 0, 1) : PQresultErrorMessage(res));
			return;
		}
		break;
	case T_FAIL: {
		const char *st = PQresultErrorField(res, PG_DIAG_SQLSTATE);
		if (db_ok(res) || st == NULL || strcmp(st, "22012") != 0) {
			snprintf(a->why, sizeof a->why, "failing read got %s",
			    db_ok(res) ? "success" : st ? st : "?");
			return;
		}
		break;
	}
	case T_WRITE:
		if (!db_ok(res) || PQntuples(res) != 1 ||
		    atoi(PQgetvalue(res, 0, 0)) != a->v) {
			snprintf(a->why, sizeof a->why, "write %d got %s",
			    a->v, db_ok(res) ? PQgetvalue(res, 0, 0) :
			    PQresultErrorMessage(res));
			return;
		}
		break;
	case T_DEFER: {
		const char *st = PQresultErrorField(res, PG_DIAG_SQLSTATE);
		if (db_ok(res) || st == NULL || strcmp(st, "23503") != 0) {
			snprintf(a->why, sizeof a->why, "write failing at "
			    "commit got %s %s", db_ok(res) ? "success" :
			    st ? st : "?", PQresultErrorMessage(res));
			return;
		}
		break;
	}
	}
	a->right = true;
}

/* A statement that returns v and tag, declared as returning v and missing:
 * the pool must refuse to serve with it. */
static const struct field declared_f[] = {
	{ "v", F_INT }, { "missing", F_STR },
};
static const struct fieldset declared = FIELDSET("test row", declared_f);
static const struct stmt_def bad_tab[1] = {
	[0] = { "t_bad", STMT_READ, "SELECT $1::int AS v, $2::text AS tag",
	    &declared },
};
static const struct field good_f[] = {
	{ "v", F_INT }, { "tag", F_STR },
};
static const struct fieldset good = FIELDSET("test row", good_f);
static const struct stmt_def good_tab[1] = {
	[0] = { "t_good", STMT_READ, "SELECT $1::int AS v, $2::text AS tag", &good },
};

static void
on_timeout(evutil_socket_t fd, short what, void *arg)
{
	event_base_loopbreak(base);
}

/* Run the loop until every query was answered, or 20 s. */
static void
run_until_done(void)
{
	struct event *t = evtimer_new(base, on_timeout, NULL);
	struct timeval tv = { 20, 0 };

	evtimer_add(t, &tv);
	if (outstanding > 0)
		event_base_dispatch(base);
	event_free(t);
}

static void
ask(struct db *db, struct ask *a, int kind, int v)
{
	char vs[16], tag[32];
	const char *p[2] = { vs, tag };
	enum wire_err why;

	a->kind = kind;
	a->v = v;
	snprintf(vs, sizeof vs, "%d", kind == T_FAIL ? 0 : v);
	/* The echo's tag; for the deferred write, a reference to a row
	 * that does not exist. */
	snprintf(tag, sizeof tag, kind == T_DEFER ? "424242" : "q%d", v);
	if (!db_query(db, kind, kind == T_ECHO || kind == T_DEFER ? 2 : 1, p,
	    answered, a,
	    &why))
		fail_msg("db_query refused query %d (%d)", v, (int)why);
	outstanding++;
}

/* Wait for the pool to come up (connections start in the loop). */
static struct db *
pool(int size, int pipeline)
{
	struct db *db = db_new_table(base, conninfo, size, 100000, 5, tab,
	    T_N);
	struct timeval tick = { 0, 20000 };

	db_set_pipeline(db, pipeline);
	for (int i = 0; i < 250 && !db_any_up(db); i++) {
		event_base_loopexit(base, &tick);
		event_base_dispatch(base);
	}
	assert_true(db_any_up(db));
	/* Let every connection finish preparing. */
	for (int i = 0; i < 10; i++) {
		event_base_loopexit(base, &tick);
		event_base_dispatch(base);
	}
	return db;
}

/*
 * Many reads, a fifth of them failing, issued in bursts from the same loop
 * turn so that they share batches on every connection, with writes in
 * between that split the batches: every answer must be its own query's.
 */
static void
test_failing_reads_share_batches(void **st)
{
	enum { ROUNDS = 40, PER = 150 };
	static struct ask asks[ROUNDS * PER];
	struct db *db = pool(4, 32);
	int wrong = 0, lost = 0;

	for (int r = 0; r < ROUNDS; r++) {
		for (int i = 0; i < PER; i++) {
			int n = r * PER + i;
			int kind = n % 5 == 2 ? T_FAIL : n % 37 == 0 ?
			    T_WRITE : T_ECHO;
			ask(db, &asks[n], kind, n);
		}
		/* Half the rounds overlap the next one's burst. */
		if (r % 2 == 1)
			run_until_done();
	}
	run_until_done();
	for (int n = 0; n < ROUNDS * PER; n++) {
		if (!asks[n].answered)
			lost++;
		else if (!asks[n].right) {
			if (wrong++ < 5)
				print_message("query %d: %s\n", n,
				    asks[n].why);
		}
	}
	assert_int_equal(outstanding, 0);
	assert_int_equal(lost, 0);
	assert_int_equal(wrong, 0);
	db_free(db);
}

/* A write whose commit fails at its sync is reported as failed, and it
 * is not in the database. */
static void
test_error_at_commit_fails_the_write(void **st)
{
	static struct ask asks[64];
	struct db *db = pool(2, 32);
	PGconn *pg;
	PGresult *r;

	for (int i = 0; i < 64; i++) {
		if (i % 2 == 0)
			ask(db, &asks[i], T_DEFER, 900000 + i);
		else
			ask(db, &asks[i], T_ECHO, i);
	}
	run_until_done();
	for (int i = 0; i < 64; i++) {
		if (!asks[i].right)
			fail_msg("query %d: %s", i, asks[i].answered ?
			    asks[i].why : "not answered");
	}
	pg = PQconnectdb(conninfo);
	r = PQexec(pg, "SELECT count(*) FROM cairn_dbtest.t WHERE v >= 900000");
	assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
	assert_string_equal(PQgetvalue(r, 0, 0), "0");
	PQclear(r);
	PQfinish(pg);
	db_free(db);
}

static uint64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint64_t last_tick, worst_gap;

static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
	uint64_t now = mono_ms();

	if (last_tick != 0 && now - last_tick > worst_gap)
		worst_gap = now - last_tick;
	last_tick = now;
}

/*
 * In a child with a mount namespace of its own, whose resolv.conf names a
 * nameserver that never answers (a UDP socket nobody reads): a pool whose
 * database host must be looked up keeps reconnecting, and the event loop
 * must not stall meanwhile.  Exit status: 0 fine, 1 stalled, 2 set-up.
 */
static int
stall_child(const char *dir)
{
	char conf[600];
	struct sockaddr_in sin;
	struct timeval tick = { 0, 10000 }, span = { 3, 0 };
	struct event_base *b;
	struct event *t;
	struct db *db, *db2;
	FILE *f;
	int s;

	snprintf(conf, sizeof conf, "%s/resolv.conf", dir);
	if ((f = fopen(conf, "w")) == NULL)
		return 2;
	fprintf(f, "nameserver 127.0.0.99\noptions timeout:2 attempts:2\n");
	fclose(f);
	if ((s = socket(AF_INET, SOCK_DGRAM, 0)) < 0)
		return 2;
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons(53);
	inet_pton(AF_INET, "127.0.0.99", &sin.sin_addr);
	if (bind(s, (struct sockaddr *)&sin, sizeof sin) != 0 ||
	    unshare(CLONE_NEWNS) != 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
	    mount(conf, "/etc/resolv.conf", NULL, MS_BIND, NULL) != 0) {
		perror("test_db: black-hole resolver set-up");
		return 2;
	}
	b = event_base_new();
	t = event_new(b, -1, EV_PERSIST, on_tick, NULL);
	event_add(t, &tick);
	db = db_new_table(b, "host=db.cairn-slow.test port=5432 dbname=cairn "
	    "user=cairn", 4, 100, 1, tab, T_N);
	/* A list of names: a lookup each, none on the loop either. */
	db2 = db_new_table(b, "host=db1.cairn-slow.test,db2.cairn-slow.test,"
	    "127.0.0.1 port=5432 dbname=cairn user=cairn "
	    "target_session_attrs=read-write", 4, 100, 1, tab, T_N);
	event_base_loopexit(b, &span);
	event_base_dispatch(b);
	db_free(db);
	db_free(db2);
	event_free(t);
	event_base_free(b);
	fprintf(stderr, "test_db: worst loop stall while resolving: %llu ms\n",
	    (unsigned long long)worst_gap);
	return worst_gap < 100 ? 0 : 1;
}

static void
test_unanswered_lookup_does_not_stall(void **st)
{
	char dir[] = "/tmp/cairn-dns.XXXXXX";
	int status;
	pid_t pid;

	if (geteuid() != 0)
		skip();		/* needs a mount namespace and port 53 */
	assert_non_null(mkdtemp(dir));
	if ((pid = fork()) == 0)
		_exit(stall_child(dir));
	assert_true(waitpid(pid, &status, 0) == pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	char conf[600];
	snprintf(conf, sizeof conf, "%s/resolv.conf", dir);
	unlink(conf);
	rmdir(dir);
}

/*
 * A multi-host connection string with a name in it (localhost, resolved
 * in a thread and passed as hostaddr) and the cluster's socket directory
 * (no lookup, an empty hostaddr entry): nothing listens on localhost's
 * port 1, so libpq goes on to the socket, and the pool comes up and
 * answers.
 */
static void
test_host_list(void **st)
{
	const char *dir = getenv("CAIRN_TEST_PGHOST");
	char list[700];
	struct db *db;
	struct ask a = { 0 };
	struct timeval tick = { 0, 20000 };

	snprintf(list, sizeof list, "host=localhost,%s port=1,5432 "
	    "dbname=cairn user=cairn target_session_attrs=read-write", dir);
	db = db_new_table(base, list, 1, 100, 5, tab, T_N);
	for (int i = 0; i < 250 && !db_any_up(db); i++) {
		event_base_loopexit(base, &tick);
		event_base_dispatch(base);
	}
	assert_true(db_any_up(db));
	ask(db, &a, T_ECHO, 7);
	run_until_done();
	assert_true(a.answered && a.right);
	db_free(db);
}

/*
 * The first host of the list accepts the TCP connection and never
 * answers (a hung server; a dead machine holds a connect the same way),
 * and libpq's connect_timeout does not apply to its asynchronous mode:
 * the attempt ends at db_connect_timeout (1 s here), and the next one
 * starts at the second host, the cluster's socket.
 */
static void
test_hung_host_skipped(void **st)
{
	const char *dir = getenv("CAIRN_TEST_PGHOST");
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof sin;
	struct timeval tick = { 0, 20000 };
	char list[700];
	struct db *db;
	uint64_t t0;
	int s;

	inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
	assert_true((s = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
	assert_int_equal(bind(s, (struct sockaddr *)&sin, sizeof sin), 0);
	assert_int_equal(listen(s, 8), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&sin, &len), 0);
	snprintf(list, sizeof list, "host=127.0.0.1,%s port=%d,5432 "
	    "dbname=cairn user=cairn", dir, ntohs(sin.sin_port));
	t0 = mono_ms();
	db = db_new_table(base, list, 1, 100, 1, tab, T_N);
	for (int i = 0; i < 300 && !db_any_up(db); i++) {
		event_base_loopexit(base, &tick);
		event_base_dispatch(base);
	}
	assert_true(db_any_up(db));
	print_message("up after %llu ms\n",
	    (unsigned long long)(mono_ms() - t0));
	assert_true(mono_ms() - t0 < 4000);
	db_free(db);
	close(s);
}

static int
setup(void **st)
{
	sql_now("DROP SCHEMA IF EXISTS cairn_dbtest CASCADE;"
	    "CREATE SCHEMA cairn_dbtest;"
	    "CREATE TABLE cairn_dbtest.p (id int PRIMARY KEY);"
	    "CREATE TABLE cairn_dbtest.t (id serial PRIMARY KEY, v int,"
	    " ref int REFERENCES cairn_dbtest.p (id)"
	    " DEFERRABLE INITIALLY DEFERRED)");
	return 0;
}

static int
teardown(void **st)
{
	sql_now("DROP SCHEMA cairn_dbtest CASCADE");
	return 0;
}

/*
 * Run a pool over tab in a child for up to 3 s: its exit status (0 when it
 * was still serving and stopped by the timer), its stderr in errbuf.
 */
static int
pool_child(const struct stmt_def *t, char *errbuf, size_t errlen)
{
	int fds[2], status;
	pid_t pid;
	ssize_t n;
	size_t got = 0;

	assert_int_equal(pipe(fds), 0);
	if ((pid = fork()) == 0) {
		struct event_base *b;
		struct timeval three = { 3, 0 };

		dup2(fds[1], 2);
		close(fds[0]);
		b = event_base_new();
		log_init("test_db", LOG_LVL_WARN);
		(void)db_new_table(b, conninfo, 1, 10, 5, t, 1);
		event_base_loopexit(b, &three);
		event_base_dispatch(b);
		_exit(0);
	}
	close(fds[1]);
	while (got + 1 < errlen &&
	    (n = read(fds[0], errbuf + got, errlen - 1 - got)) > 0)
		got += (size_t)n;
	errbuf[got] = '\0';
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/* Statements declare the columns the code reads by name; one that does not
 * return them stops the server at its first connection. */
static void
test_declared_columns_checked(void **st)
{
	char err[2048];

	assert_int_equal(pool_child(good_tab, err, sizeof err), 0);
	assert_int_not_equal(pool_child(bad_tab, err, sizeof err), 0);
	if (strstr(err, "t_bad declares column missing") == NULL)
		fail_msg("no message naming the column: '%s'", err);
}

/* Statements declare their parameters by name; one whose text and
 * declaration disagree stops the server before it serves, naming the
 * statement and the parameter.  A good one is prepared, and PostgreSQL's
 * count of its parameters matches the declaration (db-conn.c). */
static const struct stmt_def named_good[1] = {
	[0] = { .name = "t_named", .kind = STMT_READ, .params = "tag v",
	    .sql = "SELECT $v::int AS v, $tag::text AS tag, $v::int + 1 AS w",
	    .returns = &good },
};
static const struct stmt_def named_undeclared[1] = {
	[0] = { .name = "t_named_bad", .kind = STMT_READ, .params = "v",
	    .sql = "SELECT $v::int AS v, $tag::text AS tag",
	    .returns = &good },
};
static const struct stmt_def named_unused[1] = {
	[0] = { .name = "t_named_unused", .kind = STMT_READ,
	    .params = "v tag", .sql = "SELECT $v::int AS v, 'x' AS tag",
	    .returns = &good },
};

static void
test_declared_params_checked(void **st)
{
	char err[2048];

	assert_int_equal(pool_child(named_good, err, sizeof err), 0);
	assert_int_not_equal(pool_child(named_undeclared, err, sizeof err), 0);
	if (strstr(err, "t_named_bad: parameter $tag is not declared") == NULL)
		fail_msg("no message naming the parameter: '%s'", err);
	assert_int_not_equal(pool_child(named_unused, err, sizeof err), 0);
	if (strstr(err, "declared parameter tag is never used") == NULL)
		fail_msg("no message naming the parameter: '%s'", err);
}

/* A named statement's query (db_query_named) goes out only when every
 * declared parameter is set, each in its declared place whatever the order
 * it was set in. */
static void
on_named(void *arg, const PGresult *res)
{
	char *got = arg;
	bool row = db_ok(res) && PQntuples(res) == 1;

	outstanding--;
	if (outstanding == 0)
		event_base_loopbreak(base);
	snprintf(got, 64, "%s/%s", row ? PQgetvalue(res, 0, 0) : "error",
	    row ? PQgetvalue(res, 0, 1) : "");
}

static void
test_named_query_filled_by_name(void **st)
{
	struct db *db = db_new_table(base, conninfo, 1, 100, 5, named_good, 1);
	struct timeval tick = { 0, 20000 };
	struct stmt_params sp;
	enum wire_err why = E_OK;
	char got[64] = "";

	for (int i = 0; i < 250 && !db_any_up(db); i++) {
		event_base_loopexit(base, &tick);
		event_base_dispatch(base);
	}
	assert_true(db_any_up(db));
	/* $tag left unset: refused, nothing sent. */
	sp_init(&sp, &named_good[0], 0);
	sp_set(&sp, "v", "7");
	assert_false(db_query_named(db, &sp, on_named, got, &why));
	assert_int_equal(why, E_INTERNAL);
	/* Set after $v though declared before it: $1 all the same. */
	sp_set(&sp, "tag", "seven");
	assert_true(db_query_named(db, &sp, on_named, got, &why));
	outstanding++;
	run_until_done();
	assert_string_equal(got, "7/seven");
	db_free(db);
}

/* A stream of test_cancel_frees_slot: pauses after its first row if
 * told to, counts the rows and how it ended. */
struct strm {
	bool		 pause;
	int		 rows;
	bool		 done, lost;
};

static bool
strm_row(void *arg, const PGresult *res)
{
	struct strm *s = arg;

	s->rows += PQntuples(res);
	if (s->pause)
		event_base_loopbreak(base);
	return !s->pause;
}

static void
strm_done(void *arg, const PGresult *res)
{
	struct strm *s = arg;

	s->done = true;
	s->lost = res == NULL;
	outstanding--;
	if (outstanding == 0)
		event_base_loopbreak(base);
}

/*
 * Every stream slot held by a paused stream, another waiting: cancelling
 * the paused one must hand its slot over at once, not when some other
 * query ends or the lost connection is back (held.sh once waited a whole
 * stall timeout for it under load).
 */
static void
test_cancel_frees_slot(void **st)
{
	struct db *db = pool(2, 8);	/* one slot for streams that pause */
	const char *p[1] = { "1000" };
	struct strm a = { .pause = true }, b = { 0 };
	struct dbq *qa, *qb;
	enum wire_err why;

	assert_int_equal(db_stream_slots(db), 1);
	qa = db_stream(db, (enum stmt)T_SERIES, 1, p, true, strm_row, strm_done, &a,
	    &why);
	assert_non_null(qa);
	outstanding++;
	run_until_done();		/* breaks at a's first row */
	assert_true(a.rows > 0);
	assert_false(a.done);
	qb = db_stream(db, (enum stmt)T_SERIES, 1, p, true, strm_row, strm_done, &b,
	    &why);
	assert_non_null(qb);
	outstanding++;
	assert_false(db_stream_started(qb));
	db_stream_cancel(db, qa, "test: cancelled");
	assert_true(a.done && a.lost);
	assert_true(db_stream_started(qb));
	run_until_done();
	assert_true(b.done);
	assert_false(b.lost);
	assert_int_equal(b.rows, 1000);
	db_free(db);
}

int
main(void)
{
	const char *host = getenv("CAIRN_TEST_PGHOST");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_failing_reads_share_batches),
		cmocka_unit_test(test_error_at_commit_fails_the_write),
		cmocka_unit_test(test_unanswered_lookup_does_not_stall),
		cmocka_unit_test(test_host_list),
		cmocka_unit_test(test_hung_host_skipped),
		cmocka_unit_test(test_declared_columns_checked),
		cmocka_unit_test(test_declared_params_checked),
		cmocka_unit_test(test_named_query_filled_by_name),
		cmocka_unit_test(test_cancel_frees_slot),
	};
	int rc;

	if (host == NULL) {
		fprintf(stderr, "test_db: set CAIRN_TEST_PGHOST\n");
		return 1;
	}
	snprintf(conninfo, sizeof conninfo,
	    "host=%s dbname=cairn user=cairn", host);
	log_init("test_db", LOG_LVL_WARN);
	/* Host name lookups answer from their threads (resolve.c), as in
	 * cairnd (main.c). */
	evthread_use_pthreads();
	base = event_base_new();
	rc = cmocka_run_group_tests(tests, setup, teardown);
	event_base_free(base);
	return rc;
}
