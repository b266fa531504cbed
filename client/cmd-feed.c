/*
 * cmd-feed.c: cairn kpi feed, a KPI's feed (docs/protocol.md, kpi.feed):
 * set it (--source, --query, --every), turn it off (--off), or run it once
 * at once (--now), which is how a lead tests a query.  The server checks
 * everything but the syntax of the duration.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "wire.h"

/*
 * A duration as N followed by s, m, h or d ("90s", "5m", "1h", "7d"), in
 * seconds; false for anything else.  Bounds are the server's (1m to 7d).
 */
bool
duration_parse(const char *s, int64_t *secs)
{
	static const struct { char unit; int64_t mult; } units[] = {
		{ 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 },
	};
	char *end;
	long long n;

	if (s[0] < '0' || s[0] > '9')
		return false;
	errno = 0;
	n = strtoll(s, &end, 10);
	if (errno != 0 || end[0] == '\0' || end[1] != '\0' ||
	    n > 100000000)
		return false;
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
		if (units[i].unit == end[0]) {
			*secs = n * units[i].mult;
			return true;
		}
	return false;
}

/* "every 5m" as the user would write it back. */
static void
out_every(FILE *f, int64_t s)
{
	if (s % 86400 == 0)
		fprintf(f, "%lldd", (long long)(s / 86400));
	else if (s % 3600 == 0)
		fprintf(f, "%lldh", (long long)(s / 3600));
	else if (s % 60 == 0)
		fprintf(f, "%lldm", (long long)(s / 60));
	else
		fprintf(f, "%llds", (long long)s);
}

/* A KPI's feed on one line (kpi show's "feed"), or "none". */
void
out_feed(FILE *f, const msgpack_object *map, const char *key)
{
	const msgpack_object *fd = map_get_type(map, key, MSGPACK_OBJECT_MAP);
	const msgpack_object *err;
	double every, failures;

	if (fd == NULL) {
		fputs("none", f);
		return;
	}
	fputs("source ", f);
	out_field(f, fd, "source");
	if (map_get_num(fd, "every", &every)) {
		fputs(" every ", f);
		out_every(f, (int64_t)every);
	}
	fputs(", next run ", f);
	out_field(f, fd, "next_run");
	fputs(", last ok ", f);
	out_field(f, fd, "last_ok");
	if (map_get_num(fd, "failures", &failures) && failures > 0)
		fprintf(f, ", %.0f failure%s in a row", failures,
		    failures == 1 ? "" : "s");
	if ((err = map_get_type(fd, "failing", MSGPACK_OBJECT_BOOLEAN)) !=
	    NULL && err->via.boolean)
		fputs(" (FEED FAILING)", f);
	if (map_get_type(fd, "last_error", MSGPACK_OBJECT_STR) != NULL) {
		fputs("; last error: ", f);
		out_field(f, fd, "last_error");
	}
}

/* kpi list's FEED column: the source, "!" after it when failing. */
void
out_feed_short(FILE *f, const msgpack_object *map, const char *key)
{
	const msgpack_object *fd = map_get_type(map, key, MSGPACK_OBJECT_MAP);
	const msgpack_object *failing;

	if (fd == NULL) {
		putc('-', f);
		return;
	}
	out_field(f, fd, "source");
	failing = map_get_type(fd, "failing", MSGPACK_OBJECT_BOOLEAN);
	if (failing != NULL && failing->via.boolean)
		fputs(" FAILING", f);
}

int
cmd_kpi_feed(struct client *c, struct cmd_args *a)
{
	const char *source = args_get(a, "source"), *query = args_get(a, "query");
	const char *every = args_get(a, "every"), *op;
	bool off = args_flag(a, "off"), now = args_flag(a, "now");
	const msgpack_object *res;
	struct reqargs ra = { 0 };
	int64_t id, secs = 0;
	char *end;
	int rc, modes;

	errno = 0;
	id = strtoll(a->argv[0], &end, 10);
	if (errno != 0 || *end != '\0' || id < 1)
		return usage_error(c->cmd, "KPI: an id, not '%s'", a->argv[0]);
	modes = (source != NULL || query != NULL || every != NULL) + off + now;
	if (modes != 1)
		return usage_error(c->cmd, "give --source, --query and --every, "
		    "or --off, or --now");
	if (off)
		op = "kpi.feed_off";
	else if (now)
		op = "kpi.feed_run";
	else {
		if (source == NULL || query == NULL || every == NULL)
			return usage_error(c->cmd, "a feed needs --source, "
			    "--query and --every");
		if (!duration_parse(every, &secs))
			return usage_error(c->cmd, "--every: a duration such "
			    "as 1m, 15m, 1h or 1d, not '%s'", every);
		op = "kpi.feed";
		req_str(&ra, "source", source);
		req_str(&ra, "query", query);
		req_int(&ra, "every", secs);
	}
	req_int(&ra, "id", id);
	if ((rc = client_call(c, op, &ra, &res)) != CX_OK)
		return rc;
	if (c->json)
		return out_json(res);
	if (off) {
		printf("KPI %lld: feed off\n", (long long)id);
		return CX_OK;
	}
	if (!now) {
		printf("KPI %lld: feed ", (long long)id);
		out_feed(stdout, res, "feed");
		putchar('\n');
		return CX_OK;
	}
	if (map_get_type(res, "error", MSGPACK_OBJECT_STR) != NULL) {
		fflush(stdout);
		fprintf(stderr, "cairn: KPI %lld: the feed's run failed: ",
		    (long long)id);
		out_field(stderr, res, "error");
		putc('\n', stderr);
		return CX_ERROR;
	}
	printf("KPI %lld: recorded ", (long long)id);
	out_field(stdout, res, "value");
	fputs(" at ", stdout);
	out_field(stdout, res, "at");
	fputs(" (reading ", stdout);
	out_field(stdout, res, "reading");
	fputs(")\n", stdout);
	return CX_OK;
}
