/*
 * metrics.h: cairnd's metrics, written in Prometheus text format 0.0.4
 * (docs/operations.md, "Metrics").  A leaf: it depends on no other file of
 * cairnd, so that any file may count (tests/check-deps.py).
 *
 * A metric is declared by name where it is counted, with a static
 * struct metric_def, and registered at its first use (or at start-up with
 * metric_declare(), so that it is written before anything happened):
 *
 *	static struct metric_def M_HITS = METRIC_COUNTER_DEF(
 *	    "cairn_cache_hits_total", "Cache look-ups answered from memory.",
 *	    "cache");
 *	...
 *	metric_inc(&M_HITS, METRIC_LV("session"));
 *
 * Label values are the caller's, bounded sets only (op names from the op
 * table, never what a client sent): a family keeps at most
 * METRIC_MAX_SERIES label sets, and drops (and logs once) any beyond.  A
 * value read when scraped is a callback (metric_callback) writing its
 * samples with metric_sample().
 *
 * Thread-safe (one mutex): hash workers and the loop may both count.
 */
#ifndef CAIRN_METRICS_H
#define CAIRN_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "attr.h"

enum metric_type { METRIC_COUNTER, METRIC_GAUGE, METRIC_HISTOGRAM };

#define METRIC_MAX_LABELS	3
#define METRIC_MAX_SERIES	4096
#define METRIC_MAX_BUCKETS	24
/* A label value longer than this is cut (at a UTF-8 boundary). */
#define METRIC_MAX_VALUE	128

struct metric;
struct metric_out;
typedef void metric_fn(struct metric_out *, void *arg);

struct metric_def {
	enum metric_type	 type;
	const char		*name;
	const char		*help;
	const char		*labels;	/* "op,code"; NULL: none */
	const double		*bounds;	/* histograms: upper bounds, */
	int			 nbounds;	/* ascending, +Inf implied */
	metric_fn		*fn;		/* read when scraped, or NULL */
	void			*arg;
	struct metric		*m;		/* set at registration */
};

#define METRIC_COUNTER_DEF(n, h, l)					\
	{ .type = METRIC_COUNTER, .name = (n), .help = (h), .labels = (l) }
#define METRIC_GAUGE_DEF(n, h, l)					\
	{ .type = METRIC_GAUGE, .name = (n), .help = (h), .labels = (l) }
#define METRIC_HISTOGRAM_DEF(n, h, l, b)				\
	{ .type = METRIC_HISTOGRAM, .name = (n), .help = (h),		\
	  .labels = (l), .bounds = (b),					\
	  .nbounds = (int)(sizeof (b) / sizeof *(b)) }
/* The label values of one sample, in the order of the def's labels. */
#define METRIC_LV(...)	((const char *const[]){ __VA_ARGS__ })

/* Register def (once: later calls return at once).  A malformed name or
 * label list, a name registered twice with other definitions, or more
 * than METRIC_MAX_BUCKETS bounds stop cairnd (fatalx): a programming
 * error. */
void	metric_declare(struct metric_def *);
/* def's type is counter or gauge; v >= 0 for a counter.  lv: NULL when
 * the metric has no labels. */
void	metric_add(struct metric_def *, const char *const *lv, double v);
#define metric_inc(d, lv)	metric_add((d), (lv), 1)
/* def's type is gauge. */
void	metric_set(struct metric_def *, const char *const *lv, double v);
/* def's type is histogram. */
void	metric_observe(struct metric_def *, const char *const *lv, double v);

/* In a callback: one sample of its metric (lv as for metric_add). */
void	metric_sample(struct metric_out *, const char *const *lv, double v);

/* Write every metric, in the order registered, in text format 0.0.4.
 * False when writing to f failed. */
bool	metrics_write(FILE *) MUST_CHECK;
/* Forget every metric and every def's registration (tests; shutdown). */
void	metrics_reset(void);

/*
 * A label value escaped for the text format (\ " and newline; bytes that
 * are not UTF-8 become U+FFFD), NUL-terminated in out; cut at
 * METRIC_MAX_VALUE input bytes.  Returns the length written.
 */
size_t	metric_escape_value(char *out, size_t outlen, const char *v);

/*
 * Placeholders for the replica routing (issue 17, "A replicated
 * PostgreSQL"): declared here so that their names and help are fixed;
 * the code that routes reads calls these.
 *   cairn_db_replica_lag_seconds{replica}: the last lag measured;
 *   cairn_db_reads_total{target="primary|replica"}: reads sent to each.
 */
void	metrics_replica_lag(const char *replica, double seconds);
void	metrics_db_read(bool to_replica);
/* Both families written (with no sample until one is counted). */
void	metrics_replica_declare(void);

#endif
