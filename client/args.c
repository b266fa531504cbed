/*
 * args.c: the option parser every command shares, and the helpers that
 * turn parsed arguments into a request's "args" map.
 *
 * Options are GNU style: "--name VALUE", "--name=VALUE" or "--flag", and
 * may come before, between or after positional arguments, because people
 * append options as they think of them.  "--" ends the options.  A word
 * that looks like a negative number is positional, so that commands can
 * take "-5" as a value ("cairn kr checkin 7 -5"); so does "-inf", to be
 * refused as a value rather than as an unknown option.
 *
 * Values are checked here, before anything is sent, for what their type
 * can hold and nothing else: see enum opt_type.  Numbers are decimal only
 * (no hex, NaN or infinity) and must fit a double without becoming
 * infinite or 0; one written as an integer is sent as an integer.  Dates
 * must exist.  Each refusal names the argument and the limit it missed.
 */
#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "client.h"
#include "date.h"
#include "log.h"

/* inf, infinity or nan in any case: a number's spelling, not an option. */
static bool
non_finite_word(const char *s)
{
	return strcasecmp(s, "inf") == 0 || strcasecmp(s, "infinity") == 0 ||
	    strcasecmp(s, "nan") == 0;
}

/* "-5", "-.5" and "-inf" are values (refused later if they are wrong). */
static bool
is_option(const char *arg)
{
	if (arg[0] != '-' || arg[1] == '\0')
		return false;
	return !isdigit((unsigned char)arg[1]) && arg[1] != '.' &&
	    !non_finite_word(arg + 1);
}

/* [+-]?DIGITS; with sign false, DIGITS only. */
static bool
int_syntax(const char *s, bool sign)
{
	if (sign && (*s == '+' || *s == '-'))
		s++;
	if (!isdigit((unsigned char)*s))
		return false;
	while (isdigit((unsigned char)*s))
		s++;
	return *s == '\0';
}

/* An int64, or false (syntax or range: see int_syntax). */
static MUST_CHECK bool
parse_int(const char *s, int64_t *out)
{
	long long v;

	if (!int_syntax(s, true))
		return false;
	errno = 0;
	v = strtoll(s, NULL, 10);
	if (errno != 0)
		return false;
	*out = v;
	return true;
}

/* [+-]? (D+ [. D*] | . D+) ([eE] [+-]? D+)? */
bool
double_syntax(const char *s)
{
	const char *p = s;
	size_t digits = 0;

	if (*p == '+' || *p == '-')
		p++;
	for (; isdigit((unsigned char)*p); p++)
		digits++;
	if (*p == '.')
		for (p++; isdigit((unsigned char)*p); p++)
			digits++;
	if (digits == 0)
		return false;
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (!isdigit((unsigned char)*p))
			return false;
		while (isdigit((unsigned char)*p))
			p++;
	}
	return *p == '\0';
}

enum num_status { NUM_OK, NUM_SYNTAX, NUM_OVERFLOW, NUM_UNDERFLOW };

/*
 * A decimal number that a double holds: too large is refused, and so is
 * too small to be told from 0 (1e-400 would silently be 0), subnormals
 * included, which strtod reports the same way.
 */
static enum num_status
parse_double(const char *s, double *out)
{
	if (!double_syntax(s))
		return NUM_SYNTAX;
	errno = 0;
	*out = strtod(s, NULL);
	if (errno == ERANGE)
		return isfinite(*out) ? NUM_UNDERFLOW : NUM_OVERFLOW;
	return isfinite(*out) ? NUM_OK : NUM_OVERFLOW;
}

/*
 * Check a value of type t for the argument called label ("option --x" or
 * a positional's name); false with a message naming it, and the limit
 * that was missed, in err.  An integer too large for int64 is still a
 * number, sent as a double.
 */
static MUST_CHECK bool
value_ok(enum opt_type t, const char *label, const char *s, char *err,
    size_t errlen)
{
	int64_t iv;
	double d;
	int y, m, day;

	switch (t) {
	case OPT_INT:
		if (parse_int(s, &iv))
			return true;
		if (int_syntax(s, true))
			snprintf(err, errlen, "%s wants an integer from %lld to "
			    "%lld, not '%s'", label, (long long)INT64_MIN,
			    (long long)INT64_MAX, s);
		else
			snprintf(err, errlen, "%s wants an integer, not '%s'",
			    label, s);
		return false;
	case OPT_ID:
		if (int_syntax(s, false) && parse_int(s, &iv) && iv > 0)
			return true;
		snprintf(err, errlen, "%s wants a positive integer (1 to %lld), "
		    "not '%s'", label, (long long)INT64_MAX, s);
		return false;
	case OPT_NUM:
		if (parse_int(s, &iv))
			return true;
		switch (parse_double(s, &d)) {
		case NUM_OK:
			return true;
		case NUM_SYNTAX:
			if (non_finite_word(s + (*s == '-' || *s == '+')))
				snprintf(err, errlen, "%s wants a finite number, "
				    "not '%s'", label, s);
			else
				snprintf(err, errlen, "%s wants a decimal "
				    "number, not '%s'", label, s);
			break;
		case NUM_OVERFLOW:
			snprintf(err, errlen, "%s: '%s' is too large (at most "
			    "%g in magnitude)", label, s, DBL_MAX);
			break;
		case NUM_UNDERFLOW:
			snprintf(err, errlen, "%s: '%s' is too small to be told "
			    "from 0 (0, or at least %g in magnitude)", label, s,
			    DBL_MIN);
			break;
		}
		return false;
	case OPT_DATE:
		switch (date_check(s, &y, &m, &day)) {
		case DATE_OK:
			return true;
		case DATE_SYNTAX:
			snprintf(err, errlen, "%s wants a date YYYY-MM-DD, not "
			    "'%s'", label, s);
			break;
		case DATE_RANGE:
			snprintf(err, errlen, "%s wants a date from %d-01-01 to "
			    "%d-12-31, not '%s'", label, DATE_YEAR_MIN,
			    DATE_YEAR_MAX, s);
			break;
		case DATE_NO_SUCH_DAY:
			if (m < 1 || m > 12)
				snprintf(err, errlen, "%s: '%s' is no date (months "
				    "are 01 to 12)", label, s);
			else
				snprintf(err, errlen, "%s: '%s' is no date "
				    "(%04d-%02d has %d days)", label, s, y, m,
				    date_days_in_month(y, m));
			break;
		}
		return false;
	default:
		return true;
	}
}

static const struct opt_spec *
find_spec(const struct opt_spec *const *specs, const char *name, size_t len)
{
	const struct opt_spec *s;

	for (; *specs != NULL; specs++) {
		for (s = *specs; s->name != NULL; s++)
			if (strlen(s->name) == len &&
			    memcmp(s->name, name, len) == 0)
				return s;
	}
	return NULL;
}

/* Flags sending the same key, or one naming the other, go alone. */
static bool
excludes(const struct opt_spec *x, const struct opt_spec *y)
{
	if (x->type == OPT_FLAG && y->type == OPT_FLAG && x->key != NULL &&
	    y->key != NULL && strcmp(x->key, y->key) == 0)
		return true;
	return (x->excludes != NULL && strcmp(x->excludes, y->name) == 0) ||
	    (y->excludes != NULL && strcmp(y->excludes, x->name) == 0);
}

/*
 * Parse argv against specs, a NULL-terminated array of option lists.
 * Positional arguments are moved to the front of argv (in order) and left
 * in a->argc/argv.  With stop set (the global options before the command)
 * parsing ends at the first positional, and a->argv is the rest of the
 * line, unparsed.  Returns 0, or -1 with a message in err.
 */
int
args_parse(struct cmd_args *a, int argc, char **argv,
    const struct opt_spec *const *specs, bool stop, char *err, size_t errlen)
{
	const struct opt_spec *spec, *const *l;
	const char *name, *eq, *val;
	char label[80];
	int i, npos = 0;
	bool dashdash = false;
	size_t n, len;

	memset(a, 0, sizeof *a);
	a->argv = argv;
	for (i = 0; i < argc; i++) {
		if (dashdash || !is_option(argv[i])) {
			if (stop) {
				a->argv = argv + i;
				a->argc = argc - i;
				return 0;
			}
			argv[npos++] = argv[i];	/* npos <= i: safe */
			continue;
		}
		if (strcmp(argv[i], "--") == 0) {
			dashdash = true;
			continue;
		}
		if (strcmp(argv[i], "-h") == 0)
			name = "help";
		else if (argv[i][1] == '-')
			name = argv[i] + 2;
		else {
			snprintf(err, errlen, "unknown option %s", argv[i]);
			return -1;
		}
		eq = strchr(name, '=');
		len = eq != NULL ? (size_t)(eq - name) : strlen(name);
		if ((spec = find_spec(specs, name, len)) == NULL) {
			snprintf(err, errlen, "unknown option --%.*s",
			    (int)len, name);
			return -1;
		}
		if (spec->type == OPT_FLAG) {
			if (eq != NULL) {
				snprintf(err, errlen, "option --%s takes no "
				    "value", spec->name);
				return -1;
			}
			val = "";
		} else if (eq != NULL)
			val = eq + 1;
		else if (i + 1 < argc)
			val = argv[++i];
		else {
			snprintf(err, errlen, "option --%s needs a value",
			    spec->name);
			return -1;
		}
		snprintf(label, sizeof label, "option --%s", spec->name);
		if (!value_ok(spec->type, label, val, err, errlen))
			return -1;
		for (n = 0; n < a->nopt; n++) {
			if (a->opt[n].spec == spec && spec->type != OPT_MULTI) {
				snprintf(err, errlen, "option --%s given twice",
				    spec->name);
				return -1;
			}
			if (excludes(a->opt[n].spec, spec)) {
				snprintf(err, errlen, "options --%s and --%s "
				    "exclude each other", a->opt[n].spec->name,
				    spec->name);
				return -1;
			}
		}
		if (a->nopt == ARGS_MAX_OPTS) {
			snprintf(err, errlen, "too many options");
			return -1;
		}
		a->opt[a->nopt].spec = spec;
		a->opt[a->nopt++].val = val;
	}
	if (stop) {
		a->argv = argv + argc;
		return 0;
	}
	a->argc = npos;
	for (l = specs; *l != NULL; l++) {
		for (spec = *l; spec->name != NULL; spec++) {
			if (spec->required && args_get(a, spec->name) == NULL) {
				snprintf(err, errlen, "missing option --%s",
				    spec->name);
				return -1;
			}
		}
	}
	return 0;
}

/* The value of an option ("" for a flag), or NULL if it was not given. */
const char *
args_get(const struct cmd_args *a, const char *name)
{
	for (size_t n = 0; n < a->nopt; n++)
		if (strcmp(a->opt[n].spec->name, name) == 0)
			return a->opt[n].val;
	return NULL;
}

/* The positionals there are specs for must have their types. */
int
args_check_positionals(const struct cmd_args *a, const struct opt_spec *keys,
    char *err, size_t errlen)
{
	for (int i = 0; keys != NULL && keys[i].name != NULL && i < a->argc;
	    i++)
		if (!value_ok(keys[i].type, keys[i].name, a->argv[i], err,
		    errlen))
			return -1;
	return 0;
}

bool
args_flag(const struct cmd_args *a, const char *name)
{
	return args_get(a, name) != NULL;
}

/* Set key, replacing an earlier value: the server refuses duplicates. */
static void
req_set(struct reqargs *r, const char *key, enum opt_type type,
    const char *s, int64_t i, double d)
{
	size_t n;

	for (n = 0; n < r->n; n++)
		if (strcmp(r->kv[n].key, key) == 0)
			break;
	if (n == r->n) {
		if (r->n == REQ_MAX)
			fatalx("too many request arguments");
		r->n++;
	}
	r->kv[n].key = key;
	r->kv[n].type = type;
	r->kv[n].s = s;
	r->kv[n].i = i;
	r->kv[n].d = d;
	r->kv[n].raw = NULL;
	r->kv[n].rawlen = 0;
}

/* Strings are borrowed: they must outlive the call. NULL is skipped. */
void
req_str(struct reqargs *r, const char *key, const char *val)
{
	if (val != NULL)
		req_set(r, key, OPT_STR, val, 0, 0);
}

void
req_int(struct reqargs *r, const char *key, int64_t val)
{
	req_set(r, key, OPT_INT, NULL, val, 0);
}

void
req_bool(struct reqargs *r, const char *key, bool val)
{
	req_set(r, key, OPT_FLAG, NULL, val, 0);
}

void
req_double(struct reqargs *r, const char *key, double val)
{
	req_set(r, key, OPT_NUM, NULL, 0, val);
}

/* A value packed by the caller (an array of maps: kpi.record's
 * readings), borrowed like strings. */
void
req_raw(struct reqargs *r, const char *key, const char *mp, size_t len)
{
	size_t n;

	req_set(r, key, OPT_FLAG, NULL, 0, 0);
	for (n = 0; strcmp(r->kv[n].key, key) != 0; n++)
		;
	r->kv[n].raw = mp;
	r->kv[n].rawlen = len;
}

/* A value the parser checked, as its spec says it is sent. */
static void
req_value(struct reqargs *r, const struct opt_spec *spec, const char *val)
{
	int64_t iv = 0;
	double d = 0;

	switch (spec->type) {
	case OPT_STR:
	case OPT_DATE:
		req_str(r, spec->key, val);
		break;
	case OPT_INT:
	case OPT_ID:
	case OPT_NUM:
		if (parse_int(val, &iv))
			req_int(r, spec->key, iv);
		else {
			(void)parse_double(val, &d);	/* checked */
			req_double(r, spec->key, d);
		}
		break;
	case OPT_FLAG:
		if (spec->value != NULL)
			req_str(r, spec->key, spec->value);
		else
			req_bool(r, spec->key, true);
		break;
	case OPT_MULTI:	/* no key: read by the command */
		break;
	}
}

/* Every option given that the table maps to a request key. */
void
req_options(struct reqargs *r, const struct cmd_args *a)
{
	for (size_t n = 0; n < a->nopt; n++)
		if (a->opt[n].spec->key != NULL)
			req_value(r, a->opt[n].spec, a->opt[n].val);
}

/* Positional argument i fills keys[i], as far as both go. */
void
req_positionals(struct reqargs *r, const struct cmd_args *a,
    const struct opt_spec *keys)
{
	for (int i = 0; keys != NULL && keys[i].name != NULL && i < a->argc;
	    i++)
		if (keys[i].key != NULL)
			req_value(r, &keys[i], a->argv[i]);
}

/* The key of the longest string argument (its size in *len), or NULL. */
const char *
req_longest_str(const struct reqargs *r, size_t *len)
{
	const char *key = NULL;
	size_t n, l;

	*len = 0;
	for (n = 0; n < r->n; n++) {
		if (r->kv[n].raw != NULL ||
		    (r->kv[n].type != OPT_STR && r->kv[n].type != OPT_DATE) ||
		    (l = strlen(r->kv[n].s)) <= *len)
			continue;
		*len = l;
		key = r->kv[n].key;
	}
	return key;
}

void
req_pack(msgpack_packer *pk, const struct reqargs *r)
{
	msgpack_pack_map(pk, r->n);
	for (size_t n = 0; n < r->n; n++) {
		if (r->kv[n].raw != NULL) {
			mp_pack_key(pk, r->kv[n].key);
			pk->callback(pk->data, r->kv[n].raw, r->kv[n].rawlen);
			continue;
		}
		switch (r->kv[n].type) {
		case OPT_STR:
		case OPT_DATE:
			mp_kv_str(pk, r->kv[n].key, r->kv[n].s);
			break;
		case OPT_INT:
		case OPT_ID:
			mp_kv_int(pk, r->kv[n].key, r->kv[n].i);
			break;
		case OPT_NUM:
			mp_kv_double(pk, r->kv[n].key, r->kv[n].d);
			break;
		case OPT_FLAG:
			mp_kv_bool(pk, r->kv[n].key, r->kv[n].i != 0);
			break;
		case OPT_MULTI:	/* never sent as such */
			break;
		}
	}
}
