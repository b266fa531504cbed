/*
 * test_limits.c: limits an attacker meets, against a live cairnd, driven by
 * tests/e2e/limits.sh.
 *
 *   test_limits flood   connections per address and the reserve, against
 *                       a cairnd with max_conns 1024, max_conns_per_addr
 *                       256, the default conns_reserve (128) and a long
 *                       handshake_timeout (CAIRN_TEST_ADDR)
 *   test_limits stop    SIGTERM (to CAIRN_TEST_SERVER_PID) while requests
 *                       are pipelined: every one is answered before the
 *                       close
 *
 * The idle sockets are plain TCP bound to other loopback addresses
 * (127.0.0.3 ...): Linux accepts the whole of 127/8 on lo.
 */
#include <sys/resource.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "mpack.h"
#include "peer.h"
#include "wire.h"

static const char	*addr, *ca;
static struct sockaddr_in server_sa;

static uint64_t
ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A set of raw TCP sockets from one source address. */
struct flood {
	int	*fd;
	size_t	 n;
};

/* Start a non-blocking connect from src to the server. */
static int
open_from(const char *src)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

	assert_true(fd >= 0);
	assert_int_equal(inet_pton(AF_INET, src, &sa.sin_addr), 1);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	if (connect(fd, (struct sockaddr *)&server_sa, sizeof server_sa) != 0)
		assert_int_equal(errno, EINPROGRESS);
	return fd;
}

/*
 * Wait until every socket is connected and the server has had time to
 * close the ones it refuses (nothing changes for a second, on a loaded
 * machine too); close those and
 * return how many are still open.  A refused socket reads EOF (or a reset).
 */
static size_t
settle(struct flood *f, uint64_t quiet_ms)
{
	struct pollfd *pfd = calloc(f->n, sizeof *pfd);
	uint64_t deadline = ms_now() + 20000, quiet = ms_now();
	size_t alive = 0;

	for (;;) {
		size_t k = 0, pending = 0;
		for (size_t i = 0; i < f->n; i++)
			if (f->fd[i] >= 0) {
				pfd[k].fd = f->fd[i];
				pfd[k].events = POLLIN | POLLOUT;
				pfd[k].revents = 0;
				k++;
			}
		assert_true(poll(pfd, k, 100) >= 0);
		int changed = 0;
		for (size_t j = 0; j < k; j++) {
			char c;
			if (!(pfd[j].revents & POLLOUT) &&
			    !(pfd[j].revents & (POLLIN | POLLHUP | POLLERR)))
				pending++;	/* still connecting */
			if (!(pfd[j].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			if (recv(pfd[j].fd, &c, 1, 0) > 0)
				fail_msg("the server sent bytes before TLS");
			for (size_t i = 0; i < f->n; i++)
				if (f->fd[i] == pfd[j].fd) {
					close(f->fd[i]);
					f->fd[i] = -1;
				}
			changed = 1;
		}
		size_t left = 0;
		for (size_t i = 0; i < f->n; i++)
			left += f->fd[i] >= 0;
		if (left == 0)
			break;		/* every one refused */
		if (changed || pending > 0)
			quiet = ms_now();
		else if (ms_now() - quiet >= quiet_ms)
			break;
		if (ms_now() > deadline)
			fail_msg("connections did not settle in 20 s");
	}
	for (size_t i = 0; i < f->n; i++)
		if (f->fd[i] >= 0)
			alive++;
	free(pfd);
	return alive;
}

/*
 * Open n connections from src; return how many the server kept.  In
 * batches of 50, each left to settle, so that the listen backlog (128)
 * never overflows: past it the kernel answers with SYN cookies and the
 * connection only reaches cairnd seconds later, when the client would
 * count it as kept.
 */
static size_t
flood_open(struct flood *f, const char *src, size_t n)
{
	size_t start = f->n;

	f->fd = realloc(f->fd, (f->n + n) * sizeof *f->fd);
	for (size_t i = 0; i < n; i += 50) {
		size_t b = n - i < 50 ? n - i : 50;
		struct flood batch = { f->fd + f->n, b };
		for (size_t j = 0; j < b; j++)
			f->fd[f->n++] = open_from(src);
		settle(&batch, 200);
	}
	struct flood part = { f->fd + start, n };
	return settle(&part, 1000);
}

static void
flood_close(struct flood *f)
{
	for (size_t i = 0; i < f->n; i++)
		if (f->fd[i] >= 0)
			close(f->fd[i]);
	free(f->fd);
	f->fd = NULL;
	f->n = 0;
}

static void
pack(msgpack_sbuffer *sb, uint64_t id, const char *op, int nargs, ...)
{
	msgpack_packer pk;
	va_list ap;

	msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 3);
	mp_kv_uint(&pk, "id", id);
	mp_kv_str(&pk, "op", op);
	mp_pack_key(&pk, "args");
	msgpack_pack_map(&pk, nargs);
	va_start(ap, nargs);
	for (int i = 0; i < nargs; i++) {
		const char *k = va_arg(ap, const char *);
		if (strcmp(k, "proto") == 0)
			mp_kv_int(&pk, k, va_arg(ap, int));
		else
			mp_kv_str(&pk, k, va_arg(ap, const char *));
	}
	va_end(ap);
}

/* Append one frame holding the packed request to out. */
static void
frame(msgpack_sbuffer *out, msgpack_sbuffer *req)
{
	uint32_t n = htonl((uint32_t)req->size);

	msgpack_sbuffer_write(out, (const char *)&n, 4);
	msgpack_sbuffer_write(out, req->data, req->size);
	msgpack_sbuffer_clear(req);
}

/* Read a response: its id, error code (E_OK on success) and message. */
static bool
response(struct peer *p, uint64_t *id, enum wire_err *e, char *msg,
    size_t msgsize)
{
	struct mp_limits lim = { 32, 1 << 20 };
	const msgpack_object *v, *err;
	struct mp_doc doc;
	const char *pl;
	size_t len;

	if (!peer_read_frame(p, &pl, &len))
		return false;
	assert_int_equal(mp_decode(&doc, pl, len, &lim), MP_OK);
	v = mp_map_get(doc.root, "id");
	assert_non_null(v);
	*id = v->via.u64;
	*e = E_OK;
	msg[0] = '\0';
	if ((err = mp_map_get(doc.root, "error")) != NULL) {
		v = mp_map_get(err, "code");
		*e = wire_err_parse(v->via.str.ptr, v->via.str.size);
		v = mp_map_get(err, "message");
		snprintf(msg, msgsize, "%.*s", (int)v->via.str.size,
		    v->via.str.ptr);
	}
	mp_doc_free(&doc);
	return true;
}

/* hello and ping over TLS from 127.0.0.1; returns the milliseconds taken. */
static uint64_t
hello_ping(void)
{
	uint64_t t0 = ms_now(), id;
	msgpack_sbuffer req, out;
	struct peer p;
	enum wire_err e;
	char msg[256];

	msgpack_sbuffer_init(&req);
	msgpack_sbuffer_init(&out);
	if (!peer_connect(&p, addr, ca, 5000))
		fail_msg("connect from 127.0.0.1: %s", p.err);
	pack(&req, 1, "hello", 2, "proto", CAIRN_PROTO_VERSION, "client",
	    "test_limits");
	frame(&out, &req);
	pack(&req, 2, "ping", 0);
	frame(&out, &req);
	assert_true(peer_write(&p, out.data, out.size));
	for (uint64_t want = 1; want <= 2; want++) {
		if (!response(&p, &id, &e, msg, sizeof msg))
			fail_msg("no answer from 127.0.0.1: %s", p.err);
		assert_int_equal(id, want);
		assert_int_equal(e, E_OK);
	}
	peer_close(&p);
	msgpack_sbuffer_destroy(&req);
	msgpack_sbuffer_destroy(&out);
	return ms_now() - t0;
}

static void
test_one_address_cannot_lock_out_others(void **st)
{
	struct flood a = { 0 }, b = { 0 }, c = { 0 }, d = { 0 }, x = { 0 };
	size_t kept;
	uint64_t ms, t0;

	/* 1,100 idle sockets from one address: it keeps 256. */
	kept = flood_open(&a, "127.0.0.3", 1100);
	printf("# 127.0.0.3: 1100 opened, %zu kept by the server\n", kept);

	/* Meanwhile someone else gets in at once. */
	ms = hello_ping();
	printf("# 127.0.0.1: hello + ping in %llu ms\n",
	    (unsigned long long)ms);
	assert_true(ms < 2000);
	assert_int_equal(kept, 256);

	/* The 257th from that address is refused. */
	kept = flood_open(&x, "127.0.0.3", 1);
	assert_int_equal(kept, 0);
	flood_close(&x);

	/* 2,000 refused connections, for limits.sh to count the log lines. */
	t0 = ms_now();
	for (int i = 0; i < 10; i++) {
		assert_int_equal(flood_open(&x, "127.0.0.3", 200), 0);
		flood_close(&x);
	}
	printf("# 2000 refused connections in %llu ms\n",
	    (unsigned long long)(ms_now() - t0));

	/*
	 * The reserve: past max_conns - conns_reserve = 896 connections, an
	 * address that holds 4 or more gets no new one.  127.0.0.4 and .5
	 * take 256 each (768 in all), .6 stops at 896.
	 */
	assert_int_equal(flood_open(&b, "127.0.0.4", 300), 256);
	assert_int_equal(flood_open(&c, "127.0.0.5", 300), 256);
	kept = flood_open(&d, "127.0.0.6", 300);
	printf("# 127.0.0.6: %zu kept with 768 open\n", kept);
	assert_int_equal(kept, 128);
	/* Addresses with few connections still get in. */
	ms = hello_ping();
	printf("# 127.0.0.1: hello + ping in %llu ms with 896 open\n",
	    (unsigned long long)ms);
	assert_true(ms < 2000);
	assert_int_equal(flood_open(&x, "127.0.0.7", 10), 4);
	flood_close(&x);
	flood_close(&a);
	flood_close(&b);
	flood_close(&c);
	flood_close(&d);
}

/*
 * SIGTERM with requests pipelined: the first (a login that limits.sh holds
 * on a lock in PostgreSQL) runs to its result; the twenty pings behind it,
 * more than max_queue (8) so that most are still in the input buffer, are
 * answered "server shutting down"; then the server closes.
 */
static void
test_stop_answers_everything(void **st)
{
	const char *pidstr = getenv("CAIRN_TEST_SERVER_PID");
	msgpack_sbuffer req, out;
	struct peer p, late;
	enum wire_err e;
	uint64_t id;
	char msg[256];
	int n = 0;

	assert_non_null(pidstr);
	msgpack_sbuffer_init(&req);
	msgpack_sbuffer_init(&out);
	if (!peer_connect(&p, addr, ca, 15000))
		fail_msg("connect: %s", p.err);
	pack(&req, 1, "hello", 2, "proto", CAIRN_PROTO_VERSION, "client",
	    "test_limits");
	frame(&out, &req);
	assert_true(peer_write(&p, out.data, out.size));
	msgpack_sbuffer_clear(&out);
	assert_true(response(&p, &id, &e, msg, sizeof msg));
	assert_int_equal(e, E_OK);

	pack(&req, 2, "session.login", 2, "login", "root", "password",
	    "not-the-password");
	frame(&out, &req);
	for (uint64_t i = 3; i <= 22; i++) {
		pack(&req, i, "ping", 0);
		frame(&out, &req);
	}
	assert_true(peer_write(&p, out.data, out.size));
	usleep(500 * 1000);
	assert_int_equal(kill(atoi(pidstr), SIGTERM), 0);
	usleep(300 * 1000);
	/* No longer accepting. */
	assert_false(peer_connect(&late, addr, ca, 2000));
	peer_close(&late);

	while (response(&p, &id, &e, msg, sizeof msg)) {
		n++;
		assert_int_equal(id, (uint64_t)n + 1);
		if (id == 2) {
			/* It ran: the login's own answer. */
			assert_int_equal(e, E_AUTH);
		} else {
			assert_int_equal(e, E_UNAVAILABLE);
			assert_string_equal(msg, "server shutting down");
		}
	}
	printf("# %d of 21 pipelined requests answered before the close\n", n);
	assert_int_equal(n, 21);
	peer_close(&p);
	msgpack_sbuffer_destroy(&req);
	msgpack_sbuffer_destroy(&out);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest flood[] = {
		cmocka_unit_test(test_one_address_cannot_lock_out_others),
	};
	const struct CMUnitTest stop[] = {
		cmocka_unit_test(test_stop_answers_everything),
	};
	char host[256], port[32];
	struct rlimit rl;

	addr = getenv("CAIRN_TEST_ADDR");
	ca = getenv("CAIRN_TEST_CA");
	if (argc != 2 || addr == NULL || ca == NULL ||
	    !parse_hostport(addr, host, sizeof host, port, sizeof port)) {
		fprintf(stderr, "test_limits: run me from tests/e2e/limits.sh\n");
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	server_sa.sin_family = AF_INET;
	server_sa.sin_port = htons(atoi(port));
	if (inet_pton(AF_INET, host, &server_sa.sin_addr) != 1) {
		fprintf(stderr, "test_limits: %s: want an IPv4 address\n", addr);
		return 1;
	}
	/* About 2,000 sockets at once. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 4096 &&
	    rl.rlim_max >= 4096) {
		rl.rlim_cur = 4096;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (strcmp(argv[1], "flood") == 0)
		return cmocka_run_group_tests(flood, NULL, NULL);
	if (strcmp(argv[1], "stop") == 0)
		return cmocka_run_group_tests(stop, NULL, NULL);
	fprintf(stderr, "test_limits: flood or stop\n");
	return 1;
}
