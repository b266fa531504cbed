/*
 * args.c: the option parser every command shares, and the helpers that
 * turn parsed arguments into a request's "args" map.
 *
 * Options are GNU style: "--name VALUE", "--name=VALUE" or "--flag", and
 * may come before, between or after positional arguments, because people
 * append options as they think of them.  "--" ends the options.  A word
 * that looks like a negative number is positional, so that commands can
 * take "-5" as a value later.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "log.h"

static bool
is_option(const char *arg)
{
	if (arg[0] != '-' || arg[1] == '\0')
		return false;
	return !isdigit((unsigned char)arg[1]) && arg[1] != '.';
}

static bool
parse_int(const char *s, int64_t *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (s[0] == '\0' || *end != '\0' || errno != 0)
		return false;
	*out = v;
	return true;
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
	int i, npos = 0;
	bool dashdash = false;
	size_t n, len;
	int64_t iv;

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
		if (spec->type == OPT_INT && !parse_int(val, &iv)) {
			snprintf(err, errlen, "option --%s wants an integer, "
			    "not '%s'", spec->name, val);
			return -1;
		}
		for (n = 0; n < a->nopt; n++) {
			if (a->opt[n].spec == spec) {
				snprintf(err, errlen, "option --%s given twice",
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

bool
args_flag(const struct cmd_args *a, const char *name)
{
	return args_get(a, name) != NULL;
}

/* Set key, replacing an earlier value: the server refuses duplicates. */
static void
req_set(struct reqargs *r, const char *key, enum opt_type type,
    const char *s, int64_t i)
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
}

/* Strings are borrowed: they must outlive the call. NULL is skipped. */
void
req_str(struct reqargs *r, const char *key, const char *val)
{
	if (val != NULL)
		req_set(r, key, OPT_STR, val, 0);
}

void
req_int(struct reqargs *r, const char *key, int64_t val)
{
	req_set(r, key, OPT_INT, NULL, val);
}

void
req_bool(struct reqargs *r, const char *key, bool val)
{
	req_set(r, key, OPT_FLAG, NULL, val);
}

/* Every option given that the table maps to a request key. */
void
req_options(struct reqargs *r, const struct cmd_args *a)
{
	const struct opt_spec *spec;
	int64_t iv;

	for (size_t n = 0; n < a->nopt; n++) {
		spec = a->opt[n].spec;
		if (spec->key == NULL)
			continue;
		switch (spec->type) {
		case OPT_STR:
			req_str(r, spec->key, a->opt[n].val);
			break;
		case OPT_INT:
			iv = 0;
			(void)parse_int(a->opt[n].val, &iv);	/* checked */
			req_int(r, spec->key, iv);
			break;
		case OPT_FLAG:
			req_bool(r, spec->key, true);
			break;
		}
	}
}

/* Positional argument i fills keys[i], as far as both go. */
void
req_positionals(struct reqargs *r, const struct cmd_args *a,
    const char *const *keys)
{
	for (int i = 0; keys != NULL && keys[i] != NULL && i < a->argc; i++)
		req_str(r, keys[i], a->argv[i]);
}

void
req_pack(msgpack_packer *pk, const struct reqargs *r)
{
	msgpack_pack_map(pk, r->n);
	for (size_t n = 0; n < r->n; n++) {
		switch (r->kv[n].type) {
		case OPT_STR:
			mp_kv_str(pk, r->kv[n].key, r->kv[n].s);
			break;
		case OPT_INT:
			mp_kv_int(pk, r->kv[n].key, r->kv[n].i);
			break;
		case OPT_FLAG:
			mp_kv_bool(pk, r->kv[n].key, r->kv[n].i != 0);
			break;
		}
	}
}
