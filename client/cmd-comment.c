/*
 * cmd-comment.c: comments on objectives, key results, check-ins and KPIs
 * (comment add, edit, rm, and comments, the list), and the count and last
 * comment obj show prints.  The text is an argument, or standard input
 * when it is "-" or left out, so that a long or multi-line comment needs
 * no quoting; the server checks its bounds (docs/rules.md "Comments").
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"

/* Standard input is read up to this many bytes: more than the protocol
 * takes (4000 characters of at most 4 bytes), so that the server's
 * E_LIMIT names the bound, yet bounded. */
#define STDIN_TEXT_MAX	(64 * 1024)

/* The protocol's name of what a comment is on, from the command line's
 * (obj or objective, kr, checkin, kpi); NULL for anything else. */
static const char *
thing_kind(const char *s)
{
	static const struct {
		const char	*cli, *proto;
	} kinds[] = {
		{ "obj", "objective" }, { "objective", "objective" },
		{ "kr", "kr" }, { "checkin", "checkin" },
		{ "check-in", "checkin" }, { "kpi", "kpi" },
	};

	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		if (strcmp(s, kinds[i].cli) == 0)
			return kinds[i].proto;
	return NULL;
}

/* A positive id; 0 when s is not one. */
static int64_t
id_arg(const char *s)
{
	char *end;
	long long n;

	if (s[0] < '0' || s[0] > '9')
		return 0;
	n = strtoll(s, &end, 10);
	return *end == '\0' && n > 0 ? (int64_t)n : 0;
}

/* The text: arg, or standard input when arg is NULL or "-" (its trailing
 * newlines dropped).  *buf is malloc'd when stdin was read.  CX_OK or an
 * error reported. */
static int
read_text(struct client *c, const char *arg, const char **text, char **buf)
{
	size_t len = 0;
	ssize_t n;

	*buf = NULL;
	if (arg != NULL && strcmp(arg, "-") != 0) {
		*text = arg;
		return CX_OK;
	}
	if ((*buf = malloc(STDIN_TEXT_MAX + 1)) == NULL)
		return local_errorf(c, CE_CLIENT, "out of memory");
	while (len <= STDIN_TEXT_MAX && (n = read(STDIN_FILENO, *buf + len,
	    STDIN_TEXT_MAX + 1 - len)) != 0) {
		if (n < 0)
			return local_errorf(c, CE_CLIENT, "reading the text "
			    "from standard input failed");
		len += (size_t)n;
		if (len > STDIN_TEXT_MAX)
			return local_errorf(c, "E_LIMIT", "the text on standard "
			    "input is over %d bytes", STDIN_TEXT_MAX);
	}
	while (len > 0 && ((*buf)[len - 1] == '\n' || (*buf)[len - 1] == '\r'))
		len--;
	(*buf)[len] = '\0';
	if (memchr(*buf, '\0', len) != NULL)
		return local_errorf(c, CE_CLIENT, "the text holds a NUL byte");
	*text = *buf;
	return CX_OK;
}

/* One comment for people: "#ID AUTHOR AT [(edited)]", then its text
 * indented. */
static void
print_comment(const msgpack_object *m)
{
	const msgpack_object *text = map_get_type(m, "text",
	    MSGPACK_OBJECT_STR);
	const msgpack_object *ed = mp_map_get(m, "edited_at");
	const msgpack_object *edited = mp_map_get(m, "edited");

	putchar('#');
	out_field(stdout, m, "id");
	putchar(' ');
	out_field(stdout, m, "author");
	putchar(' ');
	out_field(stdout, m, "at");
	if ((ed != NULL && ed->type == MSGPACK_OBJECT_STR) ||
	    (edited != NULL && edited->type == MSGPACK_OBJECT_BOOLEAN &&
	    edited->via.boolean))
		fputs(" (edited)", stdout);
	putchar('\n');
	if (text == NULL)
		return;
	fputs("  ", stdout);
	for (uint32_t i = 0, from = 0; i <= text->via.str.size; i++) {
		if (i < text->via.str.size && text->via.str.ptr[i] != '\n')
			continue;
		out_text(stdout, text->via.str.ptr + from, i - from);
		putchar('\n');
		if (i < text->via.str.size)
			fputs("  ", stdout);
		from = i + 1;
	}
}

/* comment add obj|kr|checkin|kpi ID [TEXT|-] */
int
cmd_comment_add(struct client *c, struct cmd_args *a)
{
	struct reqargs ra = { 0 };
	const msgpack_object *res;
	const char *kind = thing_kind(a->argv[0]), *text;
	int64_t id = id_arg(a->argv[1]);
	char *buf;
	int rc;

	if (kind == NULL)
		return usage_error(c->cmd, "a comment is on obj, kr, checkin "
		    "or kpi, not %s", a->argv[0]);
	if (id == 0)
		return usage_error(c->cmd, "ID is a positive integer: %s",
		    a->argv[1]);
	if ((rc = read_text(c, a->argc > 2 ? a->argv[2] : NULL, &text,
	    &buf)) != CX_OK) {
		free(buf);
		return rc;
	}
	req_str(&ra, "on", kind);
	req_int(&ra, "thing", id);
	req_str(&ra, "text", text);
	rc = cmd_fetch(c, a, &ra, &res);
	free(buf);
	if (rc != CX_OK || res == NULL)
		return rc;
	out_field(stdout, res, "id");
	putchar('\n');
	return CX_OK;
}

/* comment edit CID [TEXT|-] */
int
cmd_comment_edit(struct client *c, struct cmd_args *a)
{
	struct reqargs ra = { 0 };
	const msgpack_object *res;
	const char *text;
	int64_t id = id_arg(a->argv[0]);
	char *buf;
	int rc;

	if (id == 0)
		return usage_error(c->cmd, "CID is a positive integer: %s",
		    a->argv[0]);
	if ((rc = read_text(c, a->argc > 1 ? a->argv[1] : NULL, &text,
	    &buf)) != CX_OK) {
		free(buf);
		return rc;
	}
	req_int(&ra, "id", id);
	req_str(&ra, "text", text);
	rc = cmd_fetch(c, a, &ra, &res);
	free(buf);
	if (rc != CX_OK || res == NULL)
		return rc;
	out_field(stdout, res, "id");
	puts(": edited");
	return CX_OK;
}

/* comments obj|kr|checkin|kpi ID [--limit N] [--before CID] */
int
cmd_comments(struct client *c, struct cmd_args *a)
{
	struct reqargs ra = { 0 };
	const msgpack_object *res;
	const char *kind = thing_kind(a->argv[0]);
	int64_t id = id_arg(a->argv[1]);
	int rc;

	if (kind == NULL)
		return usage_error(c->cmd, "comments are on obj, kr, checkin "
		    "or kpi, not %s", a->argv[0]);
	if (id == 0)
		return usage_error(c->cmd, "ID is a positive integer: %s",
		    a->argv[1]);
	req_str(&ra, "on", kind);
	req_int(&ra, "thing", id);
	if ((rc = cmd_fetch(c, a, &ra, &res)) != CX_OK || res == NULL)
		return rc;
	if (res->type != MSGPACK_OBJECT_ARRAY)
		return client_fail(c, "E_PROTO", "bad reply to comment.list");
	for (uint32_t i = 0; i < res->via.array.size; i++)
		print_comment(&res->via.array.ptr[i]);
	return CX_OK;
}

/* obj show: "COMMENTS N", and the last one; nothing when there are
 * none. */
void
print_comments(const msgpack_object *obj)
{
	const msgpack_object *d = map_get_type(obj, "comments",
	    MSGPACK_OBJECT_MAP);
	const msgpack_object *last;

	if (d == NULL || (last = map_get_type(d, "last",
	    MSGPACK_OBJECT_MAP)) == NULL)
		return;
	fputs("\nCOMMENTS ", stdout);
	out_field(stdout, d, "count");
	puts(", the last:");
	print_comment(last);
}
