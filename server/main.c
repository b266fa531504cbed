/*
 * main.c: cairnd start-up and shut-down.  Everything that blocks (cluster,
 * migrations, --init-admin, --demo, loading certificates) happens here before the
 * event loop starts; after that the loop never blocks.
 */
#include <sys/resource.h>
#include <sys/stat.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <event2/thread.h>

#include "cache.h"
#include "attr.h"
#include "bootstrap.h"
#include "cluster.h"
#include "demo.h"
#include "events.h"
#include "feedrun.h"
#include "hashpool.h"
#include "housekeep.h"
#include "mail.h"
#include "metrics-server.h"
#include "notifyrun.h"
#include "http-loop.h"
#include "log.h"
#include "migrate.h"
#include "pgsource.h"
#include "privdrop.h"
#include "secret.h"
#include "server.h"
#include "throttle.h"
#include "tls.h"
#include "watch.h"
#include "xmalloc.h"

#define LISTEN_BACKLOG	1024

static struct server	srv;
static struct mserver	*mserver;
/* The command line, read again with the config file on SIGHUP. */
static int		 main_argc;
static char		**main_argv;

static void
on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
    int salen, void *arg)
{
	conn_accept(arg, fd, sa, salen);
}

static void
on_accept_resume(evutil_socket_t fd, short what, void *arg)
{
	if (srv.listener != NULL)
		evconnlistener_enable(srv.listener);
}

static void
on_accept_error(struct evconnlistener *l, void *arg)
{
	int e = EVUTIL_SOCKET_ERROR();
	struct timeval pause = { 0, 100 * 1000 };

	log_warnx_rl("accept", "accept: %s", evutil_socket_error_to_string(e));
	/* Out of descriptors or memory: the pending connection stays in the
	 * backlog and would fail again at once, spinning the loop.  Pause
	 * accepting for 100 ms and keep serving the others. */
	if (e == EMFILE || e == ENFILE || e == ENOBUFS || e == ENOMEM) {
		evconnlistener_disable(l);
		evtimer_add(srv.accept_pause, &pause);
	}
}

static void
on_log_timer(evutil_socket_t fd, short what, void *arg)
{
	log_rl_flush();
}

static void
on_stop_timer(evutil_socket_t fd, short what, void *arg)
{
	log_warnx("shutdown: in-flight work did not finish in time "
	    "(shutdown_grace)");
	event_base_loopexit(srv.base, NULL);
}

/* A write committed: its events are to be sequenced (events.h). */
static void
on_committed(void *arg)
{
	events_poke(arg);
}

/*
 * Stop accepting; each connection answers what it has received (the
 * request running gets its result, the others E_UNAVAILABLE "server
 * shutting down"), flushes and closes: see conn_stop().  The loop ends
 * when nothing is left, or after shutdown_grace seconds.
 */
static void
stop_now(int sig)
{
	struct conn *c, *next;
	struct timeval tv = { srv.cf->shutdown_grace, 0 };

	if (srv.stopping)
		return;
	log_info("signal %d: stopping (answering what was received, "
	    "at most %d s)", sig, srv.cf->shutdown_grace);
	srv.stopping = true;
	/* Watches never end by themselves: each gets its seq to resume. */
	watch_stop();
	evconnlistener_free(srv.listener);
	srv.listener = NULL;
	evtimer_del(srv.accept_pause);
	evtimer_del(srv.drain_timer);
	srv.stop_timer = evtimer_new(srv.base, on_stop_timer, NULL);
	evtimer_add(srv.stop_timer, &tv);
	for (c = TAILQ_FIRST(&srv.conns); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		conn_stop(c);
	}
	server_maybe_done(&srv);
}

static void
on_drained(evutil_socket_t fd, short what, void *arg)
{
	stop_now(SIGTERM);
}

/*
 * SIGTERM drains: /readyz answers 503 at once and for drain_delay seconds
 * while everything is still served, so that a load balancer's health
 * check sees it and stops sending; then the stop above.  A second SIGTERM,
 * or SIGINT, stops at once.
 */
static void
on_stop(evutil_socket_t sig, short what, void *arg)
{
	struct timeval tv = { srv.cf->drain_delay, 0 };

	if (srv.stopping)
		return;
	if (sig == SIGINT || srv.draining || srv.cf->drain_delay == 0) {
		stop_now((int)sig);
		return;
	}
	srv.draining = true;
	log_info("signal %d: draining: /readyz answers 503 for %d s "
	    "(drain_delay), then the stop", (int)sig, srv.cf->drain_delay);
	evtimer_add(srv.drain_timer, &tv);
}

/*
 * SIGHUP: the config file again (config_reload: the live settings taken,
 * the restart-only ones logged as ignored), then the certificate and key.
 */
static void
on_hup(evutil_socket_t sig, short what, void *arg)
{
	char err[512];
	SSL_CTX *ctx;

	if (config_reload(srv.cf, main_argc, main_argv)) {
		log_set_level(log_level_parse(srv.cf->log_level));
		log_set_format(log_format_parse(srv.cf->log_format));
	} else
		log_warnx("SIGHUP: the configuration does not parse (see "
		    "above): keeping the running one");
	ctx = tls_server_ctx(srv.cf->cert, srv.cf->key, srv.cf->tls_min_version,
	    err, sizeof err);
	if (ctx == NULL) {
		log_warnx("SIGHUP: keeping the old certificate: %s%s", err,
		    priv_hint());
		return;
	}
	/* Live connections hold their own reference to the old context. */
	SSL_CTX_free(srv.ssl_ctx);
	srv.ssl_ctx = ctx;
	log_info("SIGHUP: certificate and key reloaded");
}

/*
 * Every connection is a descriptor: make sure max_conns of them fit, with
 * the database pool and some slack (listener, event loop, log, libpq,
 * OpenSSL), raising the soft limit up to the hard one, or say what to
 * change.
 */
#define FD_SLACK	64

static bool MUST_CHECK
fd_limit(const struct config *cf)
{
	rlim_t need = (rlim_t)cf->max_conns + (rlim_t)cf->db_pool +
	    (rlim_t)cf->hash_threads + FD_SLACK;
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0) {
		log_warn("getrlimit(RLIMIT_NOFILE)");
		return false;
	}
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= need)
		return true;
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need) {
		log_warnx("max_conns %zu needs %llu file descriptors (with "
		    "db_pool, hash_threads and %d spare), but the hard limit "
		    "(RLIMIT_NOFILE, ulimit -Hn) is %llu: raise it (ulimit -n, "
		    "LimitNOFILE= in a systemd unit, nofile in "
		    "/etc/security/limits.conf) or lower max_conns",
		    cf->max_conns, (unsigned long long)need, FD_SLACK,
		    (unsigned long long)rl.rlim_max);
		return false;
	}
	log_info("raising the file descriptor limit from %llu to %llu for "
	    "max_conns %zu", (unsigned long long)rl.rlim_cur,
	    (unsigned long long)need, cf->max_conns);
	rl.rlim_cur = need;
	if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
		log_warn("setrlimit(RLIMIT_NOFILE, %llu)",
		    (unsigned long long)need);
		return false;
	}
	return true;
}

static int MUST_CHECK
serve(struct config *cf, const char *conninfo)
{
	struct sockaddr_storage ss;
	struct housekeep *hk;
	struct feedrun *fr;
	struct events *events;
	struct timeval second = { 1, 0 };
	int sslen = sizeof ss;
	char err[512];

	if ((srv.ssl_ctx = tls_server_ctx(cf->cert, cf->key,
	    cf->tls_min_version, err, sizeof err)) == NULL) {
		log_warnx("%s", err);
		return 1;
	}
	if (evutil_parse_sockaddr_port(cf->listen, (struct sockaddr *)&ss,
	    &sslen) != 0) {
		log_warnx("bad listen address '%s' (want HOST:PORT)",
		    cf->listen);
		return 1;
	}
	if (!fd_limit(cf))
		return 1;
	srv.conns_reserve = cf->conns_reserve == CONNS_RESERVE_AUTO ?
	    addr_default_reserve(cf->max_conns) : cf->conns_reserve;
	if (srv.conns_reserve >= cf->max_conns && cf->conns_reserve !=
	    CONNS_RESERVE_AUTO) {
		log_warnx("conns_reserve (%zu) must be below max_conns (%zu)",
		    cf->conns_reserve, cf->max_conns);
		return 1;
	}
	srv.cf = cf;
	srv.dispatch = dispatch;
	srv.limits.max_depth = cf->max_depth;
	srv.limits.max_string = cf->max_string;
	TAILQ_INIT(&srv.conns);
	if ((srv.dummy_hash = password_hash_now("cairn-dummy-password")) ==
	    NULL)
		fatalx("password hashing failed");
	evthread_use_pthreads();
	srv.base = event_base_new();
	/* A backlog of LISTEN_BACKLOG (the kernel caps it at somaxconn):
	 * clients reconnecting at once after a failover, or a load balancer
	 * moving its connections here, are not reset for want of room. */
	srv.listener = evconnlistener_new_bind(srv.base, on_accept, &srv,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, LISTEN_BACKLOG,
	    (struct sockaddr *)&ss, sslen);
	if (srv.listener == NULL) {
		log_warn("cannot listen on %s", cf->listen);
		event_base_free(srv.base);
		return 1;
	}
	evconnlistener_set_error_cb(srv.listener, on_accept_error);
	/* outgoing_ca is read now, once, while it may still need root. */
	if ((srv.http = http_loop_new(srv.base, cf->outgoing_ca, NULL, err,
	    sizeof err)) == NULL) {
		log_warnx("%s", err);
		evconnlistener_free(srv.listener);
		event_base_free(srv.base);
		return 1;
	}
	/* The operator's listener, bound while root may still be needed. */
	if ((mserver = mserver_new(&srv, err, sizeof err)) == NULL) {
		log_warnx("%s", err);
		http_loop_free(srv.http);
		evconnlistener_free(srv.listener);
		event_base_free(srv.base);
		return 1;
	}
	/* Bound and the key read: what needed root is done. */
	if (!priv_drop()) {
		mserver_free(mserver);
		http_loop_free(srv.http);
		evconnlistener_free(srv.listener);
		event_base_free(srv.base);
		return 1;
	}
	cluster_supervise(srv.base);
	srv.addrs = addrcount_new(cf->max_conns);
	srv.startups = addrcount_new(cf->max_startups);
	srv.accept_pause = evtimer_new(srv.base, on_accept_resume, NULL);
	srv.log_timer = event_new(srv.base, -1, EV_PERSIST, on_log_timer,
	    NULL);
	event_add(srv.log_timer, &second);
	srv.db = db_new(srv.base, conninfo, cf->db_pool, cf->db_queue,
	    cf->db_connect_timeout);
	db_set_statement_timeout(srv.db, cf->db_statement_timeout);
	db_set_pipeline(srv.db, cf->db_pipeline);
	/* After the settings above: the replicas' pools copy them. */
	db_replicas_start(srv.db, (const char *const *)cf->db_replica,
	    cf->ndb_replica, cf->max_replica_lag_ms);
	/* The event stream: its own connection, poked by every commit. */
	cache_init(&srv);
	events = events_new(srv.base, conninfo, cf->db_connect_timeout);
	events_set_cache_hooks(events, &(struct events_cache_hooks){
	    .listening = cache_listening, .lost = cache_lost,
	    .notified = cache_notified });
	db_set_hooks(srv.db, &(struct db_hooks){ .committed = on_committed,
	    .arg = events });
	watch_init(&srv, events);
	srv.hp = hashpool_new(srv.base, cf->hash_threads, cf->hash_queue,
	    cf->hash_queue_per_addr);
	srv.throttle = throttle_new(cf);
	hk = housekeep_start(&srv);
	/* PostgreSQL sources' connections kept between feed runs (16: a
	 * socket each, within fd_limit's spare). */
	pgsrc_keep(srv.base, 16);
	fr = feedrun_start(&srv);
	srv.notify = notifyrun_start(&srv);
	mserver_begin(mserver);
	srv.drain_timer = evtimer_new(srv.base, on_drained, NULL);
	srv.sig_term = evsignal_new(srv.base, SIGTERM, on_stop, NULL);
	srv.sig_int = evsignal_new(srv.base, SIGINT, on_stop, NULL);
	srv.sig_hup = evsignal_new(srv.base, SIGHUP, on_hup, NULL);
	evsignal_add(srv.sig_term, NULL);
	evsignal_add(srv.sig_int, NULL);
	evsignal_add(srv.sig_hup, NULL);

	log_info("cairnd %s listening on %s (TLS %s+; max_conns %zu, "
	    "max_conns_per_addr %zu, conns_reserve %zu, max_startups %zu, "
	    "max_startups_per_addr %zu, login_grace %d s)", CAIRN_VERSION,
	    cf->listen, cf->tls_min_version, cf->max_conns,
	    cf->max_conns_per_addr, srv.conns_reserve, cf->max_startups,
	    cf->max_startups_per_addr, cf->login_grace);
	if (cf->metrics != NULL)
		log_info("metrics, /healthz and /readyz on http://%s",
		    cf->metrics);
	event_base_dispatch(srv.base);
	srv.loop_done = true;

	/* Whatever is left after the grace period is cut off. */
	while (!TAILQ_EMPTY(&srv.conns))
		conn_close(TAILQ_FIRST(&srv.conns), "server shutting down");
	if (srv.listener != NULL)
		evconnlistener_free(srv.listener);
	housekeep_stop(hk);
	feedrun_stop(fr);
	notifyrun_stop(srv.notify);
	srv.notify = NULL;
	watch_free();
	events_free(events);
	cache_free();
	pgsrc_keep_end();
	hashpool_free(srv.hp);
	http_loop_free(srv.http);
	db_replicas_free(srv.db);
	db_free(srv.db);
	throttle_free(srv.throttle);
	event_free(srv.sig_term);
	event_free(srv.sig_int);
	event_free(srv.sig_hup);
	if (srv.stop_timer != NULL)
		event_free(srv.stop_timer);
	event_free(srv.accept_pause);
	event_free(srv.drain_timer);
	event_free(srv.log_timer);
	addrcount_free(srv.addrs);
	addrcount_free(srv.startups);
	mserver_free(mserver);
	mserver = NULL;
	log_rl_flush();
	event_base_free(srv.base);
	SSL_CTX_free(srv.ssl_ctx);
	free(srv.dummy_hash);
	log_info("stopped");
	return 0;
}

int
main(int argc, char **argv)
{
	struct config cf;
	char *conninfo = NULL, err[512];
	int rc;

	/* Nothing cairnd creates (lock, cairn.conf, the cluster's log) is for
	 * anyone else to read. */
	umask(077);
	main_argc = argc;
	main_argv = argv;
	log_init("cairnd", LOG_LVL_INFO);
	signal(SIGPIPE, SIG_IGN);
	/* Not thread-safe: before the cluster's and the hash pool's threads
	 * (http-loop.c's requests need it). */
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		fatalx("curl_global_init failed");
	config_defaults(&cf);
	if (!config_parse_args(&cf, argc, argv)) {
		config_free(&cf);
		return 2;
	}
	/* config_parse_args checked both names. */
	log_set_level(log_level_parse(cf.log_level));
	log_set_format(log_format_parse(cf.log_format));
	if (cf.password_stdin && cf.init_admin == NULL) {
		log_warnx("--password-stdin goes with --init-admin");
		config_free(&cf);
		return 2;
	}
	if (cf.demo && cf.init_admin != NULL) {
		log_warnx("--demo and --init-admin are separate runs: create "
		    "the administrator first, then load the demo");
		config_free(&cf);
		return 2;
	}
	/* Refuse a bad account before starting anything. */
	if (cf.init_admin == NULL && !cf.demo && !priv_init(&cf)) {
		config_free(&cf);
		return 1;
	}
	/* The sources' key, read while still root (as the TLS key); the
	 * demo seals its source's password with it. */
	if (cf.init_admin == NULL &&
	    !secret_init(cf.secret_key, cf.secret_key_previous)) {
		config_free(&cf);
		return 1;
	}
	/* The SMTP password, read while still root. */
	if (cf.init_admin == NULL && !cf.demo &&
	    !mail_init(&cf, err, sizeof err)) {
		log_warnx("%s", err);
		config_free(&cf);
		return 1;
	}
	if (cf.data_dir != NULL) {
		if (!cluster_start(&cf, &conninfo)) {
			config_free(&cf);
			return 1;
		}
	} else
		conninfo = xstrdup(cf.db);

	if (!migrate(conninfo))
		rc = 1;
	else if (cf.init_admin == NULL && !cf.demo &&
	    !secret_rotate(conninfo))
		rc = 1;
	else if (cf.init_admin != NULL)
		rc = bootstrap_admin(&cf, conninfo);
	else if (cf.demo)
		rc = demo_load(conninfo);
	else
		rc = serve(&cf, conninfo);

	cluster_stop();
	free(conninfo);
	config_free(&cf);
	curl_global_cleanup();
	return rc;
}
