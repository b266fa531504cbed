/*
 * prom-json.h: reading Prometheus's HTTP API answers, pure functions (no
 * I/O), so that units and a fuzzer can feed them anything.  The JSON goes
 * through common/json2mp.c (strict, bounded, fuzzed) and the MessagePack
 * it packs is read here.
 */
#ifndef CAIRN_PROM_JSON_H
#define CAIRN_PROM_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include "attr.h"

/*
 * One sample from an /api/v1/query body: a vector of exactly one series,
 * or a scalar.  value and at (unix seconds) set when true; otherwise err
 * says why, for a person ("the query returned 2 series; ...", "the value
 * is NaN", "Prometheus: bad_data: ...", "not a Prometheus query
 * response").
 */
bool	prom_parse(const char *body, size_t len, double *value, double *at,
	    char *err, size_t errlen) MUST_CHECK;

/*
 * True when body is Prometheus's error envelope ({"status":"error",
 * "errorType":..., "error":...}), with err "Prometheus: TYPE: TEXT"
 * (truncated): what a 400, 422 or 503 says in its own words.
 */
bool	prom_error_body(const char *body, size_t len, char *err,
	    size_t errlen) MUST_CHECK;

/* /api/v1/status/buildinfo: info "Prometheus 2.42.0"; false, err set, if
 * the body is not that. */
bool	prom_parse_buildinfo(const char *body, size_t len, char *info,
	    size_t infolen) MUST_CHECK;

#endif
