/*
 * json2mp.c: a small recursive-descent JSON reader that packs as it goes.
 * Containers are packed with their element count, which MessagePack needs
 * up front, so each container is first scanned to count its elements.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json2mp.h"
#include "xmalloc.h"

#define JSON_MAX_DEPTH	32

struct jr {
	const char	*p, *end;
	msgpack_packer	*pk;	/* NULL while only counting */
};

static bool	value(struct jr *, int);

static void
ws(struct jr *r)
{
	while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' ||
	    *r->p == '\n' || *r->p == '\r'))
		r->p++;
}

static bool
lit(struct jr *r, const char *w)
{
	size_t n = strlen(w);

	if ((size_t)(r->end - r->p) < n || memcmp(r->p, w, n) != 0)
		return false;
	r->p += n;
	return true;
}

static int
hex4(const char *s)
{
	int v = 0;

	for (int i = 0; i < 4; i++) {
		char c = s[i];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return -1;
	}
	return v;
}

static size_t
utf8(char *o, uint32_t cp)
{
	if (cp < 0x80) {
		o[0] = cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = 0xc0 | cp >> 6;
		o[1] = 0x80 | (cp & 0x3f);
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = 0xe0 | cp >> 12;
		o[1] = 0x80 | ((cp >> 6) & 0x3f);
		o[2] = 0x80 | (cp & 0x3f);
		return 3;
	}
	o[0] = 0xf0 | cp >> 18;
	o[1] = 0x80 | ((cp >> 12) & 0x3f);
	o[2] = 0x80 | ((cp >> 6) & 0x3f);
	o[3] = 0x80 | (cp & 0x3f);
	return 4;
}

static bool
string(struct jr *r)
{
	const char *s = ++r->p;	/* after the quote */
	char *buf, *o;

	while (r->p < r->end && *r->p != '"')
		r->p += (*r->p == '\\') ? 2 : 1;
	if (r->p >= r->end)
		return false;
	if (r->pk == NULL) {
		r->p++;
		return true;
	}
	/* Unescaping never makes the text longer. */
	o = buf = xmalloc(r->p - s + 1);
	for (const char *q = s; q < r->p; q++) {
		if (*q != '\\') {
			*o++ = *q;
			continue;
		}
		switch (*++q) {
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case 't': *o++ = '\t'; break;
		case 'u': {
			int hi, lo;
			uint32_t cp;
			if (r->p - q < 5 || (hi = hex4(q + 1)) < 0)
				goto bad;
			q += 4;
			cp = hi;
			if (hi >= 0xd800 && hi <= 0xdbff && r->p - q >= 7 &&
			    q[1] == '\\' && q[2] == 'u' &&
			    (lo = hex4(q + 3)) >= 0xdc00 && lo <= 0xdfff) {
				cp = 0x10000 + ((hi - 0xd800) << 10) +
				    (lo - 0xdc00);
				q += 6;
			}
			o += utf8(o, cp);
			break;
		}
		default: *o++ = *q; break;	/* " \ / */
		}
	}
	msgpack_pack_str(r->pk, o - buf);
	msgpack_pack_str_body(r->pk, buf, o - buf);
	free(buf);
	r->p++;
	return true;
bad:
	free(buf);
	return false;
}

static bool
number(struct jr *r)
{
	const char *s = r->p;
	bool integral = true;
	char tmp[64];

	while (r->p < r->end && strchr("+-0123456789.eE", *r->p) != NULL) {
		if (*r->p == '.' || *r->p == 'e' || *r->p == 'E')
			integral = false;
		r->p++;
	}
	if (r->p == s || r->p - s >= (long)sizeof tmp)
		return false;
	if (r->pk == NULL)
		return true;
	memcpy(tmp, s, r->p - s);
	tmp[r->p - s] = '\0';
	if (integral && r->p - s < 19)
		msgpack_pack_int64(r->pk, strtoll(tmp, NULL, 10));
	else
		msgpack_pack_double(r->pk, strtod(tmp, NULL));
	return true;
}

/* Count the elements of the container at r->p (not moving it). */
static bool
count(const struct jr *r, char close, bool pairs, int depth, uint32_t *n)
{
	struct jr c = { r->p + 1, r->end, NULL };

	*n = 0;
	ws(&c);
	if (c.p < c.end && *c.p == close)
		return true;
	for (;;) {
		if (pairs) {
			ws(&c);
			if (c.p >= c.end || *c.p != '"' || !string(&c))
				return false;
			ws(&c);
			if (c.p >= c.end || *c.p++ != ':')
				return false;
		}
		if (!value(&c, depth + 1))
			return false;
		(*n)++;
		ws(&c);
		if (c.p >= c.end)
			return false;
		if (*c.p == close)
			return true;
		if (*c.p++ != ',')
			return false;
	}
}

static bool
container(struct jr *r, char close, bool pairs, int depth)
{
	uint32_t n;

	if (depth >= JSON_MAX_DEPTH || !count(r, close, pairs, depth, &n))
		return false;
	if (r->pk != NULL) {
		if (pairs)
			msgpack_pack_map(r->pk, n);
		else
			msgpack_pack_array(r->pk, n);
	}
	r->p++;
	for (uint32_t i = 0; i < n; i++) {
		ws(r);
		if (pairs) {
			if (!string(r))
				return false;
			ws(r);
			r->p++;		/* the colon, checked by count() */
		}
		if (!value(r, depth + 1))
			return false;
		ws(r);
		r->p++;			/* , or the closing bracket */
	}
	if (n == 0) {
		ws(r);
		r->p++;
	}
	return true;
}

static bool
value(struct jr *r, int depth)
{
	ws(r);
	if (r->p >= r->end)
		return false;
	switch (*r->p) {
	case '{': return container(r, '}', true, depth);
	case '[': return container(r, ']', false, depth);
	case '"': return string(r);
	case 't':
		if (!lit(r, "true"))
			return false;
		if (r->pk)
			msgpack_pack_true(r->pk);
		return true;
	case 'f':
		if (!lit(r, "false"))
			return false;
		if (r->pk)
			msgpack_pack_false(r->pk);
		return true;
	case 'n':
		if (!lit(r, "null"))
			return false;
		if (r->pk)
			msgpack_pack_nil(r->pk);
		return true;
	default:
		return number(r);
	}
}

bool
json_to_msgpack(msgpack_packer *pk, const char *text, size_t len)
{
	struct jr r = { text, text + len, pk };

	if (!value(&r, 0))
		return false;
	ws(&r);
	return r.p == r.end;
}
