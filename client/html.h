/*
 * html.h: the pieces of cairn report's HTML page.  Every string that came
 * from the server goes through html_text() or html_value(), which escape
 * it for both element content and quoted attributes; nothing else is
 * written unescaped but this file's own constants and numbers.  The page
 * needs no script and loads nothing: its CSS is inline, its charts inline
 * SVG.
 */
#ifndef CAIRN_HTML_H
#define CAIRN_HTML_H

#include <stdio.h>

#include <msgpack.h>

/* The page's head (title escaped) with its style sheet, and the end. */
void	html_begin(FILE *, const char *title);
void	html_end(FILE *);

/* Text escaped: & < > " ' as entities, control characters dropped (tab
 * and newline kept), bytes that are not UTF-8 as U+FFFD. */
void	html_text(FILE *, const char *, size_t);
void	html_str(FILE *, const char *);
/* A reply value: a string escaped, a number as cairn prints it, a boolean
 * as yes/no, nil or NULL as "-". */
void	html_value(FILE *, const msgpack_object *);
/* map[key] as html_value. */
void	html_field(FILE *, const msgpack_object *map, const char *key);

/* A progress bar: f (0 to 1) of its width, in the colour of class cls
 * (a status or health name from the server, sanitised to a-z and _). */
void	html_bar(FILE *, double f, const msgpack_object *cls);
/* <span class="badge CLS">TEXT</span> from a server string. */
void	html_badge(FILE *, const msgpack_object *);
/* Values (oldest first) as an inline SVG polyline, w by h pixels, with
 * the last point marked in the colour of health; with a forecast (a KPI's
 * "forecast" map with a numeric "value", else NULL or nil) its projection
 * as a dashed segment from the last point over the last fifth of the
 * width. */
void	html_sparkline(FILE *, const msgpack_object *values,
	    const msgpack_object *health, const msgpack_object *forecast,
	    int w, int h);

#endif
