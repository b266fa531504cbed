/*
 * json2mp.c: a small recursive-descent JSON reader that packs MessagePack.
 *
 * MessagePack needs a container's element count before its elements; JSON
 * tells it only at the closing bracket.  Counting each container by
 * reading it ahead, at every level, costs twice per level: 2^depth in all
 * (a 26-deep array took 0.35 s, a 32-deep one 22 s).  Instead the text is
 * read twice, each time once from start to end: the first pass checks all
 * of it and records the element count of every container in the order the
 * containers open; the second packs, taking the counts from that list.
 * Nothing is packed unless the whole text is valid.
 *
 * The reader is strict (RFC 8259): no trailing commas, bare words or
 * leading zeros, no control characters or invalid UTF-8 in strings, no
 * unpaired surrogates, no number too large for a double.  What it accepts
 * therefore prints back as the same JSON (client/json.c).
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "attr.h"
#include "json2mp.h"
#include "utf8.h"
#include "xmalloc.h"

struct jr {
	const char	*p, *end;
	msgpack_packer	*pk;		/* NULL in the first pass */
	uint32_t	*counts;	/* per container, in opening order */
	size_t		 ncounts, cap;
	size_t		 next;		/* second pass: the next count */
	char		*tmp;		/* unescaped string or number text */
	size_t		 tmpcap;
};

static bool MUST_CHECK
value(struct jr *, int);

static void
ws(struct jr *r)
{
	while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' ||
	    *r->p == '\n' || *r->p == '\r'))
		r->p++;
}

static bool MUST_CHECK
lit(struct jr *r, const char *w)
{
	size_t n = strlen(w);

	if ((size_t)(r->end - r->p) < n || memcmp(r->p, w, n) != 0)
		return false;
	r->p += n;
	return true;
}

/* A scratch buffer of at least n bytes. */
static char *
scratch(struct jr *r, size_t n)
{
	if (n > r->tmpcap) {
		r->tmpcap = n < 64 ? 64 : n;
		free(r->tmp);
		r->tmp = xmalloc(r->tmpcap);
	}
	return r->tmp;
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
utf8_put(char *o, uint32_t cp)
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

/* The \u escape (four hex digits) at q, after the backslash; a surrogate
 * pair if it is one. */
static bool MUST_CHECK
uescape(const char **qp, const char *end, uint32_t *cp)
{
	const char *q = *qp;
	int hi, lo;

	if (end - q < 5 || (hi = hex4(q + 1)) < 0)
		return false;
	q += 5;
	if (hi >= 0xdc00 && hi <= 0xdfff)
		return false;		/* a low surrogate alone */
	if (hi >= 0xd800 && hi <= 0xdbff) {
		if (end - q < 6 || q[0] != '\\' || q[1] != 'u' ||
		    (lo = hex4(q + 2)) < 0xdc00 || lo > 0xdfff)
			return false;	/* a high surrogate alone */
		*cp = 0x10000 + ((uint32_t)(hi - 0xd800) << 10) +
		    (uint32_t)(lo - 0xdc00);
		q += 6;
	} else
		*cp = hi;
	*qp = q;
	return true;
}

static bool MUST_CHECK
string(struct jr *r)
{
	const char *s, *q, *close;
	char *o, *buf;
	uint32_t cp;
	size_t n;

	/* Find the closing quote first: the unescaped text is no longer. */
	s = q = ++r->p;
	while (q < r->end && *q != '"')
		q += (*q == '\\') ? 2 : 1;
	if (q >= r->end)
		return false;
	close = q;
	o = buf = scratch(r, close - s + 1);
	for (q = s; q < close;) {
		unsigned char c = *q;

		if (c < 0x20)
			return false;	/* control characters must be escaped */
		if (c >= 0x80) {
			if ((n = utf8_decode((const unsigned char *)q,
			    close - q, &cp)) == 0)
				return false;
			memcpy(o, q, n);
			o += n;
			q += n;
			continue;
		}
		if (c != '\\') {
			*o++ = *q++;
			continue;
		}
		switch (q[1]) {
		case '"': case '\\': case '/': *o++ = q[1]; break;
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case 't': *o++ = '\t'; break;
		case 'u':
			q++;
			if (!uescape(&q, close, &cp))
				return false;
			o += utf8_put(o, cp);
			continue;
		default:
			return false;
		}
		q += 2;
	}
	r->p = close + 1;
	if (r->pk != NULL) {
		msgpack_pack_str(r->pk, o - buf);
		msgpack_pack_str_body(r->pk, buf, o - buf);
	}
	return true;
}

static bool MUST_CHECK
digits(struct jr *r)
{
	const char *s = r->p;

	while (r->p < r->end && *r->p >= '0' && *r->p <= '9')
		r->p++;
	return r->p > s;
}

/* -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
static bool MUST_CHECK
number(struct jr *r)
{
	const char *s = r->p;
	bool integral = true;
	char *text, *e;
	long long ll;
	unsigned long long ull;
	double d;

	if (r->p < r->end && *r->p == '-')
		r->p++;
	if (r->p < r->end && *r->p == '0')
		r->p++;
	else if (!digits(r))
		return false;
	if (r->p < r->end && *r->p == '.') {
		r->p++;
		integral = false;
		if (!digits(r))
			return false;
	}
	if (r->p < r->end && (*r->p == 'e' || *r->p == 'E')) {
		r->p++;
		integral = false;
		if (r->p < r->end && (*r->p == '+' || *r->p == '-'))
			r->p++;
		if (!digits(r))
			return false;
	}
	/* strtod wants a terminated string; the text may not be one. */
	text = scratch(r, r->p - s + 1);
	memcpy(text, s, r->p - s);
	text[r->p - s] = '\0';
	/* -0 is no integer: keep its sign, as the printer writes it back. */
	if (integral && strcmp(text, "-0") != 0) {
		errno = 0;
		ll = strtoll(text, &e, 10);
		if (errno == 0) {
			if (r->pk != NULL)
				msgpack_pack_int64(r->pk, ll);
			return true;
		}
		errno = 0;
		ull = strtoull(text, &e, 10);
		if (errno == 0 && text[0] != '-') {
			if (r->pk != NULL)
				msgpack_pack_uint64(r->pk, ull);
			return true;
		}
	}
	/* Too large for a double is refused; too small becomes 0. */
	d = strtod(text, &e);
	if (!isfinite(d))
		return false;
	if (r->pk != NULL)
		msgpack_pack_double(r->pk, d);
	return true;
}

static bool MUST_CHECK
container(struct jr *r, char close, bool pairs, int depth)
{
	size_t idx = 0;
	uint32_t n = 0;

	if (depth >= JSON_MAX_DEPTH)
		return false;
	if (r->pk == NULL) {
		if (r->ncounts == r->cap) {
			r->cap = r->cap == 0 ? 16 : 2 * r->cap;
			r->counts = xrealloc(r->counts,
			    r->cap * sizeof *r->counts);
		}
		idx = r->ncounts++;
	} else {
		/* The first pass saw the same containers in the same order. */
		if (r->next >= r->ncounts)
			return false;
		n = r->counts[r->next++];
		if (pairs)
			msgpack_pack_map(r->pk, n);
		else
			msgpack_pack_array(r->pk, n);
		n = 0;
	}
	r->p++;
	ws(r);
	if (r->p < r->end && *r->p == close) {
		r->p++;
		goto done;
	}
	for (;;) {
		if (n == UINT32_MAX)
			return false;
		if (pairs) {
			ws(r);
			if (r->p >= r->end || *r->p != '"' || !string(r))
				return false;
			ws(r);
			if (r->p >= r->end || *r->p++ != ':')
				return false;
		}
		if (!value(r, depth + 1))
			return false;
		n++;
		ws(r);
		if (r->p >= r->end)
			return false;
		if (*r->p == close) {
			r->p++;
			break;
		}
		if (*r->p++ != ',')
			return false;
	}
done:
	if (r->pk == NULL)
		r->counts[idx] = n;
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

static bool MUST_CHECK
pass(struct jr *r, const char *text, size_t len, msgpack_packer *pk)
{
	r->p = text;
	r->end = text + len;
	r->pk = pk;
	if (!value(r, 0))
		return false;
	ws(r);
	return r->p == r->end;
}

bool
json_to_msgpack(msgpack_packer *pk, const char *text, size_t len)
{
	struct jr r;
	bool ok;

	memset(&r, 0, sizeof r);
	ok = pass(&r, text, len, NULL) && pass(&r, text, len, pk);
	free(r.counts);
	free(r.tmp);
	return ok;
}
