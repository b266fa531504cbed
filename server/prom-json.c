/*
 * prom-json.c: one sample out of Prometheus's /api/v1/query answer (see
 * prom-json.h).  The body is untrusted (any server a source names may
 * answer), so it is read by json2mp (strict, depth-bounded, linear) and
 * then walked as MessagePack; every error names what was wrong in words
 * an operator can act on, and the text Prometheus sends is cleaned of
 * control characters before it reaches a reply or a log line.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json2mp.h"
#include "mpack.h"
#include "prom-json.h"

#define NOT_PROM	"not a Prometheus query response"

static bool MUST_CHECK
decode(struct mp_doc *doc, const char *body, size_t len)
{
	static const struct mp_limits lim = { JSON_MAX_DEPTH, SIZE_MAX };
	msgpack_sbuffer sb;
	msgpack_packer pk;
	size_t size;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	if (!json_to_msgpack(&pk, body, len) || sb.size == 0) {
		msgpack_sbuffer_destroy(&sb);
		return false;
	}
	size = sb.size;
	/* The doc takes the buffer (and frees it if it refuses it). */
	return mp_decode_take(doc, msgpack_sbuffer_release(&sb), size, &lim,
	    0) == MP_OK;
}

/* A string object as C text of at most n - 1 bytes, control characters
 * shown as spaces. */
static void
text_of(const msgpack_object *o, char *out, size_t n)
{
	size_t len = 0;

	if (o != NULL && o->type == MSGPACK_OBJECT_STR && o->via.str.size > 0)
		len = o->via.str.size;
	if (len > n - 1)
		len = n - 1;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)o->via.str.ptr[i];
		out[i] = c < 0x20 || c == 0x7f ? ' ' : (char)c;
	}
	out[len] = '\0';
}

static bool MUST_CHECK
number_of(const msgpack_object *o, double *d)
{
	switch (o->type) {
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
		*d = (double)o->via.u64;
		return true;
	case MSGPACK_OBJECT_NEGATIVE_INTEGER:
		*d = (double)o->via.i64;
		return true;
	case MSGPACK_OBJECT_FLOAT32:
	case MSGPACK_OBJECT_FLOAT64:
		*d = o->via.f64;
		return true;
	default:
		return false;
	}
}

/*
 * A [<unix time>, "<value>"] pair.  Prometheus writes values with Go's
 * FormatFloat: digits, sign, point, exponent, or exactly NaN, +Inf, -Inf.
 */
static bool MUST_CHECK
sample(const msgpack_object *pair, double *value, double *at, char *err,
    size_t errlen)
{
	const msgpack_object *t, *v;
	char s[64], *end;

	if (pair == NULL || pair->type != MSGPACK_OBJECT_ARRAY ||
	    pair->via.array.size != 2)
		goto bad;
	t = &pair->via.array.ptr[0];
	v = &pair->via.array.ptr[1];
	if (!number_of(t, at) || !isfinite(*at) || *at < 0 ||
	    v->type != MSGPACK_OBJECT_STR || v->via.str.size == 0 ||
	    v->via.str.size >= sizeof s)
		goto bad;
	memcpy(s, v->via.str.ptr, v->via.str.size);
	s[v->via.str.size] = '\0';
	if (strcmp(s, "NaN") == 0 || strcmp(s, "+Inf") == 0 ||
	    strcmp(s, "-Inf") == 0) {
		snprintf(err, errlen, "the value is %s", s);
		return false;
	}
	/* strtod would take "inf", "nan(...)" and hex too: not Prometheus. */
	if (strspn(s, "0123456789+-.eE") != strlen(s))
		goto bad;
	*value = strtod(s, &end);
	if (*end != '\0' || end == s || !isfinite(*value))
		goto bad;
	return true;
bad:
	snprintf(err, errlen, "%s (a sample is not [time, \"value\"])",
	    NOT_PROM);
	return false;
}

/* Prometheus's error envelope, in err; false if root is not one. */
static bool MUST_CHECK
error_of(const msgpack_object *root, char *err, size_t errlen)
{
	const msgpack_object *st = mp_map_get(root, "status");
	char type[64], text[200];

	if (st == NULL || !mp_str_eq(st, "error"))
		return false;
	text_of(mp_map_get(root, "errorType"), type, sizeof type);
	text_of(mp_map_get(root, "error"), text, sizeof text);
	snprintf(err, errlen, "Prometheus: %s: %s",
	    type[0] != '\0' ? type : "error",
	    text[0] != '\0' ? text : "(no reason given)");
	return true;
}

bool
prom_error_body(const char *body, size_t len, char *err, size_t errlen)
{
	struct mp_doc doc;
	bool is;

	if (!decode(&doc, body, len))
		return false;
	is = error_of(doc.root, err, errlen);
	mp_doc_free(&doc);
	return is;
}

static bool MUST_CHECK
read_data(const msgpack_object *root, double *value, double *at, char *err,
    size_t errlen)
{
	const msgpack_object *st, *data, *rt, *res, *one;
	uint32_t n;

	if (error_of(root, err, errlen))
		return false;
	st = mp_map_get(root, "status");
	data = mp_map_get(root, "data");
	if (st == NULL || !mp_str_eq(st, "success") || data == NULL)
		goto bad;
	rt = mp_map_get(data, "resultType");
	res = mp_map_get(data, "result");
	if (rt == NULL || res == NULL)
		goto bad;
	if (mp_str_eq(rt, "scalar"))
		return sample(res, value, at, err, errlen);
	if (mp_str_eq(rt, "matrix")) {
		snprintf(err, errlen, "the query returned a range vector "
		    "(matrix); it must return one number (e.g. "
		    "last_over_time(x[5m]))");
		return false;
	}
	if (mp_str_eq(rt, "string")) {
		snprintf(err, errlen, "the query returned a string; it must "
		    "return a number");
		return false;
	}
	if (!mp_str_eq(rt, "vector") || res->type != MSGPACK_OBJECT_ARRAY)
		goto bad;
	if ((n = res->via.array.size) == 0) {
		snprintf(err, errlen, "the query returned no series");
		return false;
	}
	if (n > 1) {
		snprintf(err, errlen, "the query returned %u series; it must "
		    "return one (aggregate it, e.g. sum(...))", n);
		return false;
	}
	one = &res->via.array.ptr[0];
	return sample(mp_map_get(one, "value"), value, at, err, errlen);
bad:
	snprintf(err, errlen, NOT_PROM);
	return false;
}

bool
prom_parse(const char *body, size_t len, double *value, double *at,
    char *err, size_t errlen)
{
	struct mp_doc doc;
	bool ok;

	if (!decode(&doc, body, len)) {
		snprintf(err, errlen, NOT_PROM);
		return false;
	}
	ok = read_data(doc.root, value, at, err, errlen);
	mp_doc_free(&doc);
	return ok;
}

bool
prom_parse_buildinfo(const char *body, size_t len, char *info,
    size_t infolen)
{
	struct mp_doc doc;
	const msgpack_object *st, *ver;
	char v[64];
	bool ok;

	if (!decode(&doc, body, len)) {
		snprintf(info, infolen, "not a Prometheus build information "
		    "response");
		return false;
	}
	st = mp_map_get(doc.root, "status");
	ver = mp_map_get(mp_map_get(doc.root, "data"), "version");
	if (error_of(doc.root, info, infolen)) {
		mp_doc_free(&doc);
		return false;
	}
	ok = st != NULL && mp_str_eq(st, "success") && ver != NULL &&
	    ver->type == MSGPACK_OBJECT_STR && ver->via.str.size > 0;
	if (ok) {
		text_of(ver, v, sizeof v);
		snprintf(info, infolen, "Prometheus %s", v);
	} else
		snprintf(info, infolen, "not a Prometheus build information "
		    "response");
	mp_doc_free(&doc);
	return ok;
}
