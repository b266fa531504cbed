/*
 * cmd-assess.c: the assessment (the guide's decision matrix and KPI
 * checklist).  The questions, their wording and weights come from the
 * server (assessment.questions), so that the terminal asks what the
 * server scores; the answers go to assessment.create, which scores them.
 * Nothing is computed here.
 *
 *	cairn assess TEAM [--set KEY=VALUE ...] [--answers FILE] [--apply]
 *	cairn assess show TEAM [--history]
 *	cairn assess questions
 *	cairn assess weight KEY N
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "client.h"
#include "json2mp.h"
#include "xmalloc.h"

#define Q_MAX		64	/* questions we take from the server */
#define KEY_MAX		40	/* a question's key, as the server has it */
#define ANSWERS_MAX	(64 * 1024)	/* bytes of an --answers file */

struct question {
	char	 key[KEY_MAX + 1];
	char	*wording;
	bool	 checklist;
	int64_t	 weight;
};

struct answer {
	const char	*key;		/* borrowed (argv or a question) */
	size_t		 keylen;
	bool		 checklist;
	int64_t		 value;		/* 0..5, or 0/1 */
};

struct answers {
	struct answer	 a[Q_MAX];
	size_t		 n;
};

/* Copy the questions out of the reply (the next call frees it). */
static MUST_CHECK int
get_questions(struct client *c, struct question *q, size_t *nq)
{
	const msgpack_object *res, *row, *k, *kind, *w, *wd;
	int rc;

	*nq = 0;
	if ((rc = client_call(c, "assessment.questions", NULL, &res)) != CX_OK)
		return rc;
	if (res->type != MSGPACK_OBJECT_ARRAY)
		return client_fail(c, "E_PROTO", "bad questions from server");
	for (uint32_t i = 0; i < res->via.array.size && *nq < Q_MAX; i++) {
		row = &res->via.array.ptr[i];
		k = map_get_type(row, "key", MSGPACK_OBJECT_STR);
		kind = map_get_type(row, "kind", MSGPACK_OBJECT_STR);
		wd = map_get_type(row, "wording", MSGPACK_OBJECT_STR);
		w = map_get_type(row, "weight", MSGPACK_OBJECT_POSITIVE_INTEGER);
		if (k == NULL || kind == NULL || wd == NULL || w == NULL ||
		    k->via.str.size > KEY_MAX)
			return client_fail(c, "E_PROTO", "bad question from "
			    "server");
		memcpy(q[*nq].key, k->via.str.ptr, k->via.str.size);
		q[*nq].key[k->via.str.size] = '\0';
		q[*nq].wording = xmalloc(wd->via.str.size + 1);
		memcpy(q[*nq].wording, wd->via.str.ptr, wd->via.str.size);
		q[*nq].wording[wd->via.str.size] = '\0';
		q[*nq].checklist = mp_str_eq(kind, "checklist");
		q[*nq].weight = (int64_t)w->via.u64;
		(*nq)++;
	}
	return CX_OK;
}

static void
free_questions(struct question *q, size_t nq)
{
	for (size_t i = 0; i < nq; i++)
		free(q[i].wording);
}

static const struct question *
find_question(const struct question *q, size_t nq, const char *key,
    size_t len)
{
	for (size_t i = 0; i < nq; i++)
		if (strlen(q[i].key) == len && memcmp(q[i].key, key, len) == 0)
			return &q[i];
	return NULL;
}

/* yes/no (y/n, true/false) as 1/0, or -1. */
static MUST_CHECK int
yes_no(const char *s)
{
	if (strcasecmp(s, "yes") == 0 || strcasecmp(s, "y") == 0 ||
	    strcasecmp(s, "true") == 0)
		return 1;
	if (strcasecmp(s, "no") == 0 || strcasecmp(s, "n") == 0 ||
	    strcasecmp(s, "false") == 0)
		return 0;
	return -1;
}

/* An integer written in decimal digits only (the server checks 0..5). */
static bool
small_int(const char *s, int64_t *v)
{
	char *end;
	long long x;

	if (*s < '0' || *s > '9' || strlen(s) > 9)
		return false;
	errno = 0;
	x = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return false;
	*v = x;
	return true;
}

/*
 * --set KEY=VALUE: a checklist question takes yes or no, anything else a
 * number.  A key the server does not know is sent as a scenario (or as a
 * checklist answer when its value is yes or no), for the server to refuse
 * by name.
 */
static MUST_CHECK int
take_set(struct client *c, const struct question *q, size_t nq,
    struct answers *ans, const char *arg)
{
	const char *eq = strchr(arg, '='), *val;
	const struct question *qq;
	struct answer *a;
	int yn;

	if (eq == NULL || eq == arg)
		return usage_error(c->cmd, "--set wants KEY=VALUE, not '%s'",
		    arg);
	if (ans->n == Q_MAX)
		return usage_error(c->cmd, "too many --set (at most %d)", Q_MAX);
	val = eq + 1;
	qq = find_question(q, nq, arg, (size_t)(eq - arg));
	a = &ans->a[ans->n];
	a->key = arg;
	a->keylen = (size_t)(eq - arg);
	yn = yes_no(val);
	a->checklist = qq != NULL ? qq->checklist : yn >= 0;
	if (a->checklist) {
		if (yn < 0)
			return usage_error(c->cmd, "--set %.*s: a checklist "
			    "question is answered yes or no, not '%s'",
			    (int)a->keylen, arg, val);
		a->value = yn;
	} else if (!small_int(val, &a->value))
		return usage_error(c->cmd, "--set %.*s: a scenario is answered "
		    "with a number from 0 to 5, not '%s'", (int)a->keylen, arg,
		    val);
	for (size_t i = 0; i < ans->n; i++)
		if (ans->a[i].keylen == a->keylen &&
		    memcmp(ans->a[i].key, a->key, a->keylen) == 0)
			return usage_error(c->cmd, "--set %.*s given twice",
			    (int)a->keylen, arg);
	ans->n++;
	return CX_OK;
}

/* A line from the terminal, without its end; false at end of input. */
static MUST_CHECK bool
tty_line(FILE *tty, char *buf, size_t len)
{
	size_t n;

	if (fgets(buf, (int)len, tty) == NULL)
		return false;
	n = strlen(buf);
	if (n > 0 && buf[n - 1] != '\n') {	/* too long: drop the rest */
		int ch;

		while ((ch = getc(tty)) != EOF && ch != '\n')
			;
	}
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' ||
	    buf[n - 1] == ' '))
		buf[--n] = '\0';
	return true;
}

/* Ask every question on the terminal; an empty answer skips it. */
static MUST_CHECK int
ask(struct client *c, FILE *tty, const struct question *q, size_t nq,
    struct answers *ans)
{
	char line[64];
	int yn;

	fprintf(tty, "Answer each question for the team as it is now; "
	    "Enter skips one (it counts as 0 or no).\n");
	for (size_t i = 0; i < nq; i++) {
		struct answer *a = &ans->a[ans->n];

		for (;;) {
			if (q[i].checklist)
				fprintf(tty, "[%zu/%zu] %s (yes/no) ", i + 1, nq,
				    q[i].wording);
			else
				fprintf(tty, "[%zu/%zu] %s (weight %lld): how "
				    "strongly does it apply, 0 to 5? ", i + 1,
				    nq, q[i].wording, (long long)q[i].weight);
			fflush(tty);
			if (!tty_line(tty, line, sizeof line))
				return client_fail(c, CE_CLIENT, "end of input "
				    "before the last question");
			if (line[0] == '\0')
				break;
			if (q[i].checklist && (yn = yes_no(line)) >= 0) {
				a->value = yn;
				break;
			}
			if (!q[i].checklist && small_int(line, &a->value) &&
			    a->value <= 5)
				break;
			fprintf(tty, "  %s\n", q[i].checklist ? "yes or no, "
			    "please" : "a number from 0 to 5, please");
		}
		if (line[0] == '\0')
			continue;
		a->key = q[i].key;
		a->keylen = strlen(q[i].key);
		a->checklist = q[i].checklist;
		ans->n++;
	}
	return CX_OK;
}

/* Pack the answers as the two maps the request carries: sb[0] the
 * scenarios, sb[1] the checklist. */
static void
pack_answers(msgpack_sbuffer sb[2], const struct answers *ans)
{
	msgpack_packer pk;
	size_t ns = 0;

	for (size_t i = 0; i < ans->n; i++)
		ns += !ans->a[i].checklist;
	for (int want = 0; want < 2; want++) {
		msgpack_packer_init(&pk, &sb[want], msgpack_sbuffer_write);
		msgpack_pack_map(&pk, want ? ans->n - ns : ns);
		for (size_t i = 0; i < ans->n; i++) {
			const struct answer *a = &ans->a[i];

			if (a->checklist != (want == 1))
				continue;
			mp_pack_strn(&pk, a->key, a->keylen);
			if (a->checklist && a->value != 0)
				msgpack_pack_true(&pk);
			else if (a->checklist)
				msgpack_pack_false(&pk);
			else
				msgpack_pack_int64(&pk, a->value);
		}
	}
}

/*
 * --answers FILE ("-": standard input): JSON {"scenarios": {...},
 * "checklist": {...}}, packed as MessagePack into sb[0] and sb[1] (either
 * may be missing: then an empty map).  The server checks the values.
 */
static MUST_CHECK int
read_answers(struct client *c, const char *path, msgpack_sbuffer sb[2])
{
	msgpack_sbuffer tmp;
	msgpack_packer pk;
	msgpack_unpacked u;
	const msgpack_object *sc = NULL, *ck = NULL;
	char *buf;
	size_t n = 0;
	ssize_t r;
	int fd, rc = CX_OK;

	if (strcmp(path, "-") == 0)
		fd = STDIN_FILENO;
	else if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return usage_error(c->cmd, "--answers %s: %s", path,
		    strerror(errno));
	buf = xmalloc(ANSWERS_MAX + 1);
	while ((r = read(fd, buf + n, ANSWERS_MAX + 1 - n)) > 0 &&
	    (n += (size_t)r) <= ANSWERS_MAX)
		;
	if (fd != STDIN_FILENO)
		close(fd);
	if (r == -1 || n > ANSWERS_MAX) {
		free(buf);
		return usage_error(c->cmd, "--answers %s: %s", path, r == -1 ?
		    strerror(errno) : "larger than 64 KiB");
	}
	msgpack_sbuffer_init(&tmp);
	msgpack_packer_init(&pk, &tmp, msgpack_sbuffer_write);
	msgpack_unpacked_init(&u);
	if (!json_to_msgpack(&pk, buf, n) || msgpack_unpack_next(&u,
	    tmp.data, tmp.size, NULL) != MSGPACK_UNPACK_SUCCESS ||
	    u.data.type != MSGPACK_OBJECT_MAP) {
		rc = usage_error(c->cmd, "--answers %s: not a JSON object",
		    path);
		goto out;
	}
	for (uint32_t i = 0; i < u.data.via.map.size; i++) {
		const msgpack_object_kv *kv = &u.data.via.map.ptr[i];

		if (mp_str_eq(&kv->key, "scenarios") && sc == NULL)
			sc = &kv->val;
		else if (mp_str_eq(&kv->key, "checklist") && ck == NULL)
			ck = &kv->val;
		else {
			rc = usage_error(c->cmd, "--answers %s: only "
			    "\"scenarios\" and \"checklist\" (once each) "
			    "belong in it", path);
			goto out;
		}
	}
	msgpack_packer_init(&pk, &sb[0], msgpack_sbuffer_write);
	if (sc != NULL)
		msgpack_pack_object(&pk, *sc);
	else
		msgpack_pack_map(&pk, 0);
	msgpack_packer_init(&pk, &sb[1], msgpack_sbuffer_write);
	if (ck != NULL)
		msgpack_pack_object(&pk, *ck);
	else
		msgpack_pack_map(&pk, 0);
out:
	msgpack_unpacked_destroy(&u);
	msgpack_sbuffer_destroy(&tmp);
	free(buf);
	return rc;
}

/* "0.712" */
static void
out_index(FILE *f, const msgpack_object *row, const char *key)
{
	const msgpack_object *v = mp_map_get(row, key);

	if (v != NULL && v->type == MSGPACK_OBJECT_FLOAT64)
		fprintf(f, "%.3f", v->via.f64);
	else
		out_field(f, row, key);
}

/* "rapid_growth 5 x 5, stable yes" */
static void
out_drivers(FILE *f, const msgpack_object *row, const char *key)
{
	const msgpack_object *d = map_get_type(row, key, MSGPACK_OBJECT_ARRAY);

	for (uint32_t i = 0; d != NULL && i < d->via.array.size; i++) {
		const msgpack_object *e = &d->via.array.ptr[i], *ans;

		fputs(i > 0 ? ", " : "", f);
		out_field(f, e, "key");
		ans = mp_map_get(e, "answer");
		if (ans != NULL && ans->type == MSGPACK_OBJECT_BOOLEAN)
			fputs(" yes", f);
		else {
			fputc(' ', f);
			out_field(f, e, "weight");
			fputs(" x ", f);
			out_field(f, e, "answer");
		}
	}
}

static const struct column result_fields[] = {
	{ "team", "team", NULL },
	{ "at", "at", NULL },
	{ "author", "author", NULL },
	{ "okr_index", "okr_index", out_index },
	{ "kpi_index", "kpi_index", out_index },
	{ "recommendation", "recommendation", NULL },
	{ "drivers", "drivers", out_drivers },
	{ "unanswered", "unanswered", out_list },
	{ "applied", "applied", NULL },
	{ "framework", "framework", NULL },
	{ NULL, NULL, NULL }
};

/* assess TEAM: answers from --set, --answers or the terminal. */
int
cmd_assess(struct client *c, struct cmd_args *a)
{
	struct question *q = xcalloc(Q_MAX, sizeof *q);
	struct answers *ans = xcalloc(1, sizeof *ans);
	const char *file = args_get(a, "answers");
	const msgpack_object *res;
	struct reqargs ra = { 0 };
	msgpack_sbuffer sb[2];
	FILE *tty = NULL;
	bool sets = args_get(a, "set") != NULL;
	size_t nq = 0;
	int rc, fd;

	msgpack_sbuffer_init(&sb[0]);
	msgpack_sbuffer_init(&sb[1]);
	if (!sets && file == NULL) {
		fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
		if (fd == -1 || (tty = fdopen(fd, "r+")) == NULL) {
			if (fd != -1)
				close(fd);
			rc = usage_error(c->cmd, "no terminal to ask the "
			    "questions on: give the answers with --set "
			    "KEY=VALUE or --answers FILE");
			goto out;
		}
	}
	if (file != NULL)
		rc = read_answers(c, file, sb);
	else if ((rc = get_questions(c, q, &nq)) == CX_OK) {
		if (tty != NULL)
			rc = ask(c, tty, q, nq, ans);
		for (size_t i = 0; i < a->nopt && rc == CX_OK; i++)
			if (strcmp(a->opt[i].spec->name, "set") == 0)
				rc = take_set(c, q, nq, ans, a->opt[i].val);
		if (rc == CX_OK)
			pack_answers(sb, ans);
	}
	if (rc != CX_OK)
		goto out;
	req_raw(&ra, "scenarios", sb[0].data, sb[0].size);
	req_raw(&ra, "checklist", sb[1].data, sb[1].size);
	if ((rc = cmd_fetch(c, a, &ra, &res)) != CX_OK || res == NULL)
		goto out;
	out_fields(result_fields, res);
out:
	if (tty != NULL)
		fclose(tty);
	msgpack_sbuffer_destroy(&sb[0]);
	msgpack_sbuffer_destroy(&sb[1]);
	free_questions(q, nq);
	free(q);
	free(ans);
	return rc;
}

/* assess show TEAM [--history]: the latest result, or all of them. */
int
cmd_assess_show(struct client *c, struct cmd_args *a)
{
	static const struct column rows[] = {
		{ "AT", "at", NULL },
		{ "AUTHOR", "author", NULL },
		{ "OKR", "okr_index", out_index },
		{ "KPI", "kpi_index", out_index },
		{ "RECOMMENDATION", "recommendation", NULL },
		{ "APPLIED", "applied", NULL },
		{ NULL, NULL, NULL }
	};
	const msgpack_object *res;
	int rc;

	if ((rc = cmd_fetch(c, a, NULL, &res)) != CX_OK || res == NULL)
		return rc;
	if (res->type == MSGPACK_OBJECT_ARRAY)
		out_table(rows, res);
	else
		out_fields(result_fields, res);
	return CX_OK;
}

/* assess questions, assess weight KEY N: the questions as a table. */
int
cmd_assess_questions(struct client *c, struct cmd_args *a)
{
	static const struct column cols[] = {
		{ "KEY", "key", NULL },
		{ "KIND", "kind", NULL },
		{ "WEIGHT", "weight", NULL },
		{ "WORDING", "wording", NULL },
		{ NULL, NULL, NULL }
	};
	static const struct column weight = { "weight", "weight", NULL };
	const msgpack_object *res;
	int rc;

	if ((rc = cmd_fetch(c, a, NULL, &res)) != CX_OK || res == NULL)
		return rc;
	if (res->type == MSGPACK_OBJECT_ARRAY)
		out_table(cols, res);
	else
		out_id_says(res, "key", &weight);
	return CX_OK;
}
