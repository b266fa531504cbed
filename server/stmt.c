/*
 * stmt.c: named parameters (stmt.h).  The compile runs once per statement
 * at start-up; filling by name is a scan of the declaration, a few dozen
 * bytes, per parameter.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stmt.h"
#include "xmalloc.h"

static bool
name_start(int ch)
{
	return (ch >= 'a' && ch <= 'z') || ch == '_';
}

static bool
name_char(int ch)
{
	return name_start(ch) || (ch >= '0' && ch <= '9');
}

/*
 * Walk the declaration's names: the i-th starts at *s and is *len bytes.
 * Returns false at the end.
 */
static bool
next_name(const char **p, const char **s, size_t *len)
{
	const char *q = *p;

	while (*q == ' ')
		q++;
	if (*q == '\0')
		return false;
	*s = q;
	while (*q != '\0' && *q != ' ')
		q++;
	*len = (size_t)(q - *s);
	*p = q;
	return true;
}

int
stmt_param_index(const char *params, const char *name, size_t len)
{
	const char *p = params, *s;
	size_t l;
	int i = 0;

	if (params == NULL)
		return -1;
	while (next_name(&p, &s, &l)) {
		if (l == len && memcmp(s, name, len) == 0)
			return i;
		i++;
	}
	return -1;
}

int
stmt_nparams(const char *params)
{
	const char *p = params, *s;
	size_t l;
	int n = 0;

	if (params == NULL)
		return -1;
	while (next_name(&p, &s, &l)) {
		if (l > STMT_NAMELEN || !name_start((unsigned char)s[0]))
			return -1;
		for (size_t k = 1; k < l; k++)
			if (!name_char((unsigned char)s[k]))
				return -1;
		if (stmt_param_index(params, s, l) != n)	/* repeated */
			return -1;
		if (++n > STMT_MAXP)
			return -1;
	}
	return n;
}

/* Where the scan is: placeholders count only in plain SQL text. */
enum lex { L_SQL, L_QUOTE, L_IDENT, L_LINE, L_BLOCK };

bool
stmt_compile(const struct stmt_def *sd, char **out, char *err, size_t errlen)
{
	const char *q = sd->sql;
	bool used[STMT_MAXP] = { false };
	enum lex lx = L_SQL;
	char *buf, *w;
	size_t cap;
	int n;

	*out = NULL;
	if ((n = stmt_nparams(sd->params)) < 0) {
		snprintf(err, errlen, "statement %s: malformed parameter list "
		    "'%s' (names [a-z_][a-z0-9_]*, each once, at most %d)",
		    sd->name, sd->params ? sd->params : "(none)", STMT_MAXP);
		return false;
	}
	/* "$name" (two bytes at least) becomes "$N" or "$NN" (STMT_MAXP is
	 * under 100): at most half as long again, as for "$a" -> "$10". */
	cap = strlen(q) * 3 / 2 + 2;
	w = buf = xmalloc(cap);
	while (*q != '\0') {
		switch (lx) {
		case L_QUOTE:
			if (*q == '\'')
				lx = L_SQL;	/* '' re-enters at once */
			*w++ = *q++;
			continue;
		case L_IDENT:
			if (*q == '"')
				lx = L_SQL;
			*w++ = *q++;
			continue;
		case L_LINE:
			if (*q == '\n')
				lx = L_SQL;
			*w++ = *q++;
			continue;
		case L_BLOCK:
			if (q[0] == '*' && q[1] == '/') {
				lx = L_SQL;
				*w++ = *q++;
			}
			*w++ = *q++;
			continue;
		case L_SQL:
			break;
		}
		if (*q == '\'')
			lx = L_QUOTE;
		else if (*q == '"')
			lx = L_IDENT;
		else if (q[0] == '-' && q[1] == '-')
			lx = L_LINE;
		else if (q[0] == '/' && q[1] == '*')
			lx = L_BLOCK;
		if (*q != '$') {
			*w++ = *q++;
			continue;
		}
		if (isdigit((unsigned char)q[1])) {
			snprintf(err, errlen, "statement %s: positional "
			    "parameter $%c... in a statement with named "
			    "parameters", sd->name, q[1]);
			goto fail;
		}
		if (!name_start((unsigned char)q[1])) {
			snprintf(err, errlen, "statement %s: '$' not followed "
			    "by a parameter name", sd->name);
			goto fail;
		}
		{
			const char *s = ++q;
			size_t len;
			int i;

			while (name_char((unsigned char)*q))
				q++;
			len = (size_t)(q - s);
			if (*q == '$') {
				snprintf(err, errlen, "statement %s: dollar "
				    "quoting ($%.*s$) is not supported in a "
				    "named statement", sd->name, (int)len, s);
				goto fail;
			}
			if ((i = stmt_param_index(sd->params, s, len)) < 0) {
				snprintf(err, errlen, "statement %s: parameter "
				    "$%.*s is not declared in .params", sd->name,
				    (int)len, s);
				goto fail;
			}
			used[i] = true;
			w += snprintf(w, cap - (size_t)(w - buf), "$%d", i + 1);
		}
	}
	*w = '\0';
	for (int i = 0; i < n; i++) {
		if (!used[i]) {
			const char *p = sd->params, *s = NULL;
			size_t len = 0;

			for (int k = 0; k <= i; k++)
				(void)next_name(&p, &s, &len);
			snprintf(err, errlen, "statement %s: declared parameter "
			    "%.*s is never used", sd->name, (int)len, s);
			goto fail;
		}
	}
	*out = buf;
	return true;
fail:
	free(buf);
	return false;
}

void
sp_init(struct stmt_params *sp, const struct stmt_def *sd, int st)
{
	memset(sp, 0, sizeof *sp);
	sp->sd = sd;
	sp->st = st;
	sp->n = stmt_nparams(sd->params);
}

void
sp_set(struct stmt_params *sp, const char *name, const char *value)
{
	int i = stmt_param_index(sp->sd->params, name, strlen(name));

	if (i < 0 || i >= sp->n) {
		if (sp->bad[0] == '\0')
			snprintf(sp->bad, sizeof sp->bad, "%s", name);
		return;
	}
	sp->v[i] = value;
	sp->set[i] = true;
}

bool
sp_has(const struct stmt_params *sp, const char *name)
{
	return stmt_param_index(sp->sd->params, name, strlen(name)) >= 0;
}

void
sp_set_if(struct stmt_params *sp, const char *name, const char *value)
{
	if (sp_has(sp, name))
		sp_set(sp, name, value);
}

bool
sp_ready(const struct stmt_params *sp, char *why, size_t len)
{
	const char *p, *s;
	size_t l;

	if (sp->n < 0 || sp->sd->params == NULL) {
		snprintf(why, len, "statement %s has no named parameters",
		    sp->sd->name);
		return false;
	}
	if (sp->bad[0] != '\0') {
		snprintf(why, len, "statement %s: parameter %s is not "
		    "declared", sp->sd->name, sp->bad);
		return false;
	}
	p = sp->sd->params;
	for (int i = 0; next_name(&p, &s, &l); i++) {
		if (!sp->set[i]) {
			snprintf(why, len, "statement %s: parameter %.*s is "
			    "left unset", sp->sd->name, (int)l, s);
			return false;
		}
	}
	return true;
}

bool
stmt_gather(const struct stmt_def *const *tables, struct stmt_def *out,
    int n, char *err, size_t errlen)
{
	for (const struct stmt_def *const *t = tables; *t != NULL; t++) {
		for (int i = 0; i < n; i++) {
			if ((*t)[i].name == NULL)
				continue;
			if (out[i].name != NULL) {
				snprintf(err, errlen, "statement %d is defined "
				    "twice (%s, %s)", i, out[i].name,
				    (*t)[i].name);
				return false;
			}
			out[i] = (*t)[i];
		}
	}
	for (int i = 0; i < n; i++) {
		if (out[i].name == NULL || out[i].sql == NULL) {
			snprintf(err, errlen, "statement %d has no definition",
			    i);
			return false;
		}
		/* Every statement is filled by name (an empty list: none):
		 * nothing in cairnd fills one by position. */
		if (out[i].params == NULL) {
			snprintf(err, errlen, "statement %s declares no "
			    "parameters by name (.params)", out[i].name);
			return false;
		}
	}
	return true;
}
