/*
 * metrics.c: the registry behind metrics.h, and the text format.
 *
 * A family (struct metric) holds its series (one per label set) in the
 * order they first appeared, found again by a small open-addressing hash
 * of their label values: a request's count is one look-up, not a walk of
 * every op.
 */
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "metrics.h"
#include "utf8.h"
#include "xmalloc.h"

struct series {
	char		*key;		/* values joined by \x1f */
	char		*vals[METRIC_MAX_LABELS];
	double		 v;		/* counter, gauge */
	uint64_t	*buckets;	/* histogram: nbounds + 1, not cumulative */
	double		 sum;
	uint64_t	 count;
};

struct metric {
	struct metric	*next;		/* registration order */
	enum metric_type type;
	char		*name, *help;
	int		 nlabels;
	char		*labels[METRIC_MAX_LABELS];
	char		*labels_spec;	/* as declared, to compare */
	double		 bounds[METRIC_MAX_BUCKETS];
	int		 nbounds;
	metric_fn	*fn;
	void		*arg;
	struct series	**series;	/* insertion order */
	int		 nseries, cap;
	int		*slots;		/* hash: index + 1, 0 empty */
	int		 nslots;
	bool		 overflow_logged;
	/* The defs registered to it, whose m is cleared by metrics_reset. */
	struct metric_def *defs[8];
	int		 ndefs;
};

struct metric_out {
	FILE		*f;
	struct metric	*m;
	bool		 err;
};

static pthread_mutex_t	 lock = PTHREAD_MUTEX_INITIALIZER;
static struct metric	*first, *last;

static bool
valid_name(const char *s, size_t n, bool colon)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    c == '_' || (colon && c == ':') ||
		    (i > 0 && c >= '0' && c <= '9');
		if (!ok)
			return false;
	}
	return true;
}

static struct metric *
find_locked(const char *name)
{
	for (struct metric *m = first; m != NULL; m = m->next)
		if (strcmp(m->name, name) == 0)
			return m;
	return NULL;
}

static void
parse_labels(struct metric *m, const char *spec)
{
	const char *p = spec;

	while (p != NULL && *p != '\0') {
		const char *e = strchr(p, ',');
		size_t n = e != NULL ? (size_t)(e - p) : strlen(p);

		if (m->nlabels == METRIC_MAX_LABELS || !valid_name(p, n, false) ||
		    (n == 2 && strncmp(p, "le", 2) == 0) ||
		    (n >= 2 && strncmp(p, "__", 2) == 0))
			fatalx("metric %s: bad label list '%s'", m->name, spec);
		m->labels[m->nlabels++] = xstrndup(p, n);
		p = e != NULL ? e + 1 : NULL;
	}
}

static bool
same_def(const struct metric *m, const struct metric_def *d)
{
	return m->type == d->type && m->fn == NULL && d->fn == NULL &&
	    strcmp(m->labels_spec, d->labels != NULL ? d->labels : "") == 0;
}

static void
declare_locked(struct metric_def *d)
{
	struct metric *m;

	if (d->m != NULL)
		return;
	if (d->name == NULL || !valid_name(d->name, strlen(d->name), true) ||
	    d->help == NULL)
		fatalx("metric '%s': bad name or no help", d->name ? d->name :
		    "(null)");
	if ((m = find_locked(d->name)) != NULL) {
		/* Two files may count one family, declared alike. */
		if (!same_def(m, d) || m->ndefs == 8)
			fatalx("metric %s is declared twice, differently",
			    d->name);
		m->defs[m->ndefs++] = d;
		d->m = m;
		return;
	}
	m = xcalloc(1, sizeof *m);
	m->type = d->type;
	m->name = xstrdup(d->name);
	m->help = xstrdup(d->help);
	m->labels_spec = xstrdup(d->labels != NULL ? d->labels : "");
	parse_labels(m, d->labels);
	if (d->type == METRIC_HISTOGRAM) {
		if (d->nbounds < 1 || d->nbounds > METRIC_MAX_BUCKETS)
			fatalx("metric %s: 1 to %d buckets", d->name,
			    METRIC_MAX_BUCKETS);
		for (int i = 0; i < d->nbounds; i++)
			if (!isfinite(d->bounds[i]) ||
			    (i > 0 && d->bounds[i] <= d->bounds[i - 1]))
				fatalx("metric %s: bounds must ascend",
				    d->name);
		memcpy(m->bounds, d->bounds, d->nbounds * sizeof *d->bounds);
		m->nbounds = d->nbounds;
	}
	m->fn = d->fn;
	m->arg = d->arg;
	m->defs[m->ndefs++] = d;
	d->m = m;
	if (last != NULL)
		last->next = m;
	else
		first = m;
	last = m;
}

void
metric_declare(struct metric_def *d)
{
	pthread_mutex_lock(&lock);
	declare_locked(d);
	pthread_mutex_unlock(&lock);
}

/* The label values cut to METRIC_MAX_VALUE bytes, on a UTF-8 boundary. */
static size_t
cut(const char *v)
{
	size_t n = strlen(v);

	if (n <= METRIC_MAX_VALUE)
		return n;
	n = METRIC_MAX_VALUE;
	while (n > 0 && ((unsigned char)v[n] & 0xc0) == 0x80)
		n--;
	return n;
}

static uint32_t
hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static void
rehash(struct metric *m)
{
	int n = m->nslots ? m->nslots * 2 : 16;

	free(m->slots);
	m->slots = xcalloc(n, sizeof *m->slots);
	m->nslots = n;
	for (int i = 0; i < m->nseries; i++) {
		uint32_t j = hash(m->series[i]->key) & (n - 1);
		while (m->slots[j] != 0)
			j = (j + 1) & (n - 1);
		m->slots[j] = i + 1;
	}
}

/* The series of lv, made if new; NULL when the family is full. */
static struct series *
series_locked(struct metric *m, const char *const *lv)
{
	char key[METRIC_MAX_LABELS * (METRIC_MAX_VALUE + 1) + 1];
	size_t len = 0;
	struct series *s;
	uint32_t j;

	for (int i = 0; i < m->nlabels; i++) {
		const char *v = lv != NULL && lv[i] != NULL ? lv[i] : "";
		size_t n = cut(v);

		memcpy(key + len, v, n);
		len += n;
		key[len++] = '\x1f';
	}
	key[len] = '\0';
	if (m->nslots > 0)
		for (j = hash(key) & (m->nslots - 1); m->slots[j] != 0;
		    j = (j + 1) & (m->nslots - 1))
			if (strcmp(m->series[m->slots[j] - 1]->key, key) == 0)
				return m->series[m->slots[j] - 1];
	if (m->nseries >= METRIC_MAX_SERIES) {
		if (!m->overflow_logged)
			log_warnx("metric %s: more than %d label sets, further "
			    "ones are not counted", m->name,
			    METRIC_MAX_SERIES);
		m->overflow_logged = true;
		return NULL;
	}
	s = xcalloc(1, sizeof *s);
	s->key = xstrdup(key);
	for (int i = 0, off = 0; i < m->nlabels; i++) {
		char *e = strchr(s->key + off, '\x1f');
		s->vals[i] = xstrndup(s->key + off, e - (s->key + off));
		off = e - s->key + 1;
	}
	if (m->type == METRIC_HISTOGRAM)
		s->buckets = xcalloc(m->nbounds + 1, sizeof *s->buckets);
	if (m->nseries == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 16;
		m->series = xrealloc(m->series, m->cap * sizeof *m->series);
	}
	m->series[m->nseries++] = s;
	if (2 * m->nseries > m->nslots)
		rehash(m);
	else {
		for (j = hash(key) & (m->nslots - 1); m->slots[j] != 0;
		    j = (j + 1) & (m->nslots - 1))
			;
		m->slots[j] = m->nseries;
	}
	return s;
}

static void
update(struct metric_def *d, const char *const *lv, double v, int how)
{
	struct series *s;

	pthread_mutex_lock(&lock);
	declare_locked(d);
	if (d->m->fn != NULL || (how == 2) != (d->m->type == METRIC_HISTOGRAM)
	    || (how == 1 && d->m->type != METRIC_GAUGE))
		fatalx("metric %s: not updated this way", d->name);
	if ((s = series_locked(d->m, lv)) != NULL) {
		if (how == 0)
			s->v += v;
		else if (how == 1)
			s->v = v;
		else {
			int b = 0;
			while (b < d->m->nbounds && v > d->m->bounds[b])
				b++;
			s->buckets[b]++;
			s->sum += v;
			s->count++;
		}
	}
	pthread_mutex_unlock(&lock);
}

void
metric_add(struct metric_def *d, const char *const *lv, double v)
{
	update(d, lv, v, 0);
}

void
metric_set(struct metric_def *d, const char *const *lv, double v)
{
	update(d, lv, v, 1);
}

void
metric_observe(struct metric_def *d, const char *const *lv, double v)
{
	update(d, lv, v, 2);
}

size_t
metric_escape_value(char *out, size_t outlen, const char *v)
{
	const unsigned char *p = (const unsigned char *)v;
	size_t n = cut(v), o = 0;

	if (outlen == 0)
		return 0;
	for (size_t i = 0; i < n; ) {
		char tmp[4];
		size_t k;
		uint32_t cp;

		if (p[i] == '\\' || p[i] == '"' || p[i] == '\n') {
			tmp[0] = '\\';
			tmp[1] = p[i] == '\n' ? 'n' : (char)p[i];
			k = 2;
			i++;
		} else if ((k = utf8_decode(p + i, n - i, &cp)) > 0) {
			if (k > sizeof tmp)
				k = sizeof tmp;
			memcpy(tmp, p + i, k);
			i += k;
		} else {
			/* Not UTF-8: U+FFFD, one byte at a time. */
			memcpy(tmp, "\xef\xbf\xbd", 3);
			k = 3;
			i++;
		}
		if (o + k >= outlen)
			break;
		memcpy(out + o, tmp, k);
		o += k;
	}
	out[o] = '\0';
	return o;
}

/* HELP text: only \ and newline are escaped. */
static void
write_help(FILE *f, const char *s)
{
	for (; *s; s++)
		if (*s == '\\')
			fputs("\\\\", f);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
}

static void
write_value(FILE *f, double v)
{
	if (isnan(v))
		fputs("NaN", f);
	else if (isinf(v))
		fputs(v > 0 ? "+Inf" : "-Inf", f);
	else if (v == floor(v) && fabs(v) < 1e15)
		fprintf(f, "%.0f", v);
	else
		fprintf(f, "%.10g", v);
}

/* name{l="v",...,extra="ev"} value */
static void
write_sample(FILE *f, const struct metric *m, const char *suffix,
    const char *const *lv, const char *extra, const char *ev, double v)
{
	char esc[METRIC_MAX_VALUE * 3 + 8];
	int n = 0;

	fprintf(f, "%s%s", m->name, suffix);
	for (int i = 0; i < m->nlabels; i++) {
		metric_escape_value(esc, sizeof esc, lv != NULL && lv[i] != NULL ?
		    lv[i] : "");
		fprintf(f, "%s%s=\"%s\"", n++ ? "," : "{", m->labels[i], esc);
	}
	if (extra != NULL)
		fprintf(f, "%s%s=\"%s\"", n++ ? "," : "{", extra, ev);
	fputs(n ? "} " : " ", f);
	write_value(f, v);
	fputc('\n', f);
}

void
metric_sample(struct metric_out *o, const char *const *lv, double v)
{
	write_sample(o->f, o->m, "", lv, NULL, NULL, v);
}

static void
write_histogram(FILE *f, const struct metric *m, const struct series *s)
{
	const char *lv[METRIC_MAX_LABELS];
	uint64_t cum = 0;
	char le[32];

	for (int i = 0; i < m->nlabels; i++)
		lv[i] = s->vals[i];
	for (int b = 0; b <= m->nbounds; b++) {
		cum += s->buckets[b];
		if (b < m->nbounds)
			snprintf(le, sizeof le, "%.10g", m->bounds[b]);
		else
			snprintf(le, sizeof le, "+Inf");
		write_sample(f, m, "_bucket", lv, "le", le, (double)cum);
	}
	write_sample(f, m, "_sum", lv, NULL, NULL, s->sum);
	write_sample(f, m, "_count", lv, NULL, NULL, (double)s->count);
}

bool
metrics_write(FILE *f)
{
	static const char *types[] = { "counter", "gauge", "histogram" };

	pthread_mutex_lock(&lock);
	for (struct metric *m = first; m != NULL; m = m->next) {
		fprintf(f, "# HELP %s ", m->name);
		write_help(f, m->help);
		fprintf(f, "\n# TYPE %s %s\n", m->name, types[m->type]);
		if (m->fn != NULL) {
			struct metric_out o = { .f = f, .m = m };
			m->fn(&o, m->arg);
			continue;
		}
		for (int i = 0; i < m->nseries; i++) {
			const struct series *s = m->series[i];

			if (m->type == METRIC_HISTOGRAM)
				write_histogram(f, m, s);
			else
				write_sample(f, m, "", (const char *const *)
				    s->vals, NULL, NULL, s->v);
		}
	}
	pthread_mutex_unlock(&lock);
	return !ferror(f);
}

void
metrics_reset(void)
{
	struct metric *m, *next;

	pthread_mutex_lock(&lock);
	for (m = first; m != NULL; m = next) {
		next = m->next;
		for (int i = 0; i < m->ndefs; i++)
			m->defs[i]->m = NULL;
		for (int i = 0; i < m->nseries; i++) {
			struct series *s = m->series[i];
			for (int j = 0; j < m->nlabels; j++)
				free(s->vals[j]);
			free(s->buckets);
			free(s->key);
			free(s);
		}
		for (int i = 0; i < m->nlabels; i++)
			free(m->labels[i]);
		free(m->series);
		free(m->slots);
		free(m->labels_spec);
		free(m->name);
		free(m->help);
		free(m);
	}
	first = last = NULL;
	pthread_mutex_unlock(&lock);
}

/* The replica routing's two families (metrics.h). */
static struct metric_def M_REPLICA_LAG = METRIC_GAUGE_DEF(
    "cairn_db_replica_lag_seconds",
    "Replay lag of each read replica, as last measured.", "replica");
static struct metric_def M_DB_READS = METRIC_COUNTER_DEF(
    "cairn_db_reads_total",
    "Lag-tolerant reads sent to the primary or to a replica.", "target");

void
metrics_replica_lag(const char *replica, double seconds)
{
	metric_set(&M_REPLICA_LAG, METRIC_LV(replica), seconds);
}

void
metrics_db_read(bool to_replica)
{
	metric_inc(&M_DB_READS, METRIC_LV(to_replica ? "replica" :
	    "primary"));
}

void
metrics_replica_declare(void)
{
	metric_declare(&M_REPLICA_LAG);
	metric_declare(&M_DB_READS);
}
