/*
 * html.c: the HTML writer of cairn report (html.h).  The page is read by
 * people with scripts off and no network, printed or mailed: one file,
 * inline CSS, inline SVG, no script.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "client.h"
#include "html.h"
#include "json.h"

static const char style[] =
	"body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;"
	"color:#1d2430;background:#fff;margin:0;padding:24px 32px;}"
	"h1{font-size:22px;margin:0 0 4px}"
	"h2{font-size:17px;margin:28px 0 8px;border-bottom:2px solid #e3e7ee;"
	"padding-bottom:4px}"
	".meta{color:#5b6576;margin:0 0 16px}"
	".cards{display:flex;flex-wrap:wrap;gap:12px;margin:12px 0}"
	".card{border:1px solid #e3e7ee;border-radius:6px;padding:8px 14px;"
	"min-width:110px}"
	".card b{display:block;font-size:20px}"
	"ul.tree,ul.tree ul{list-style:none;margin:0;padding-left:22px}"
	"ul.tree{padding-left:0}"
	"ul.tree li{margin:3px 0}"
	".node{display:flex;align-items:center;gap:8px;flex-wrap:wrap}"
	".title{font-weight:600}"
	".muted{color:#6b7484}"
	".bar{display:inline-block;width:120px;height:10px;background:#e9edf3;"
	"border-radius:5px;overflow:hidden;vertical-align:middle}"
	".bar i{display:block;height:100%;background:#607d8b}"
	".badge{display:inline-block;border-radius:9px;padding:0 8px;"
	"font-size:12px;color:#fff;background:#78909c}"
	/* .bar i.X too: ".bar i" alone would outweigh a bare class. */
	".on_track,.green,.bar i.on_track,.bar i.green{background:#2e7d32}"
	".at_risk,.amber,.bar i.at_risk,.bar i.amber{background:#f9a825;"
	"color:#1d2430}"
	".off_track,.red,.bar i.off_track,.bar i.red{background:#c62828}"
	".done,.bar i.done{background:#1565c0}"
	".none{background:#9e9e9e}"
	".mark{font-size:12px;border:1px solid #c62828;color:#c62828;"
	"border-radius:3px;padding:0 4px}"
	".mark.stale{border-color:#8d6e63;color:#8d6e63}"
	".mark.signoff{border-color:#6a1b9a;color:#6a1b9a}"
	"table{border-collapse:collapse;margin:6px 0}"
	"th,td{text-align:left;padding:4px 10px;border-bottom:1px solid #eef1f5;"
	"vertical-align:middle}"
	"th{font-size:12px;text-transform:uppercase;color:#5b6576}"
	"td.num{text-align:right;font-variant-numeric:tabular-nums}"
	".over{color:#c62828;font-weight:600}"
	"tr.nw td{white-space:nowrap}tr.nw td.wrap{white-space:normal}"
	"blockquote{margin:4px 0 12px;padding:4px 12px;border-left:3px solid "
	"#cfd8dc;white-space:pre-wrap}"
	"svg{vertical-align:middle}"
	"@media print{body{padding:0}}";

void
html_text(FILE *f, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, len;
	uint32_t cp;

	while (i < n) {
		switch (p[i]) {
		case '&': fputs("&amp;", f); i++; continue;
		case '<': fputs("&lt;", f); i++; continue;
		case '>': fputs("&gt;", f); i++; continue;
		case '"': fputs("&quot;", f); i++; continue;
		case '\'': fputs("&#39;", f); i++; continue;
		case '\t': case '\n': putc(p[i], f); i++; continue;
		}
		if ((len = utf8_decode(p + i, n - i, &cp)) == 0) {
			fputs("\xef\xbf\xbd", f);	/* U+FFFD */
			i++;
			continue;
		}
		/* C0, DEL, C1 and the bidi overrides are no text. */
		if (cp >= 0x20 && cp != 0x7f && !(cp >= 0x80 && cp < 0xa0) &&
		    !(cp >= 0x202a && cp <= 0x202e) &&
		    !(cp >= 0x2066 && cp <= 0x2069))
			fwrite(p + i, 1, len, f);
		i += len;
	}
}

void
html_str(FILE *f, const char *s)
{
	html_text(f, s, strlen(s));
}

void
html_value(FILE *f, const msgpack_object *v)
{
	double d;

	if (v == NULL || v->type == MSGPACK_OBJECT_NIL) {
		putc('-', f);
		return;
	}
	switch (v->type) {
	case MSGPACK_OBJECT_STR:
		html_text(f, v->via.str.ptr, v->via.str.size);
		break;
	case MSGPACK_OBJECT_BOOLEAN:
		fputs(v->via.boolean ? "yes" : "no", f);
		break;
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
		fprintf(f, "%llu", (unsigned long long)v->via.u64);
		break;
	case MSGPACK_OBJECT_NEGATIVE_INTEGER:
		fprintf(f, "%lld", (long long)v->via.i64);
		break;
	default:
		if (mp_num(v, &d))
			json_print_double(f, d, 0);
		else
			fputs("?", f);
	}
}

void
html_field(FILE *f, const msgpack_object *map, const char *key)
{
	html_value(f, map != NULL ? mp_map_get(map, key) : NULL);
}

/* A class name from a server string: a-z and _ only, at most 15. */
static void
class_of(const msgpack_object *v, char *buf, size_t len)
{
	size_t n = 0;

	if (v != NULL && v->type == MSGPACK_OBJECT_STR)
		for (uint32_t i = 0; i < v->via.str.size && n + 1 < len; i++) {
			char c = v->via.str.ptr[i];
			if ((c >= 'a' && c <= 'z') || c == '_')
				buf[n++] = c;
		}
	if (n == 0)
		snprintf(buf, len, "none");
	else
		buf[n] = '\0';
}

void
html_bar(FILE *f, double frac, const msgpack_object *cls)
{
	char c[16];

	if (!(frac >= 0))
		frac = 0;
	if (frac > 1)
		frac = 1;
	class_of(cls, c, sizeof c);
	fprintf(f, "<span class=\"bar\" role=\"img\" aria-label=\"%.0f%%\">"
	    "<i class=\"%s\" style=\"width:%.1f%%\"></i></span>", frac * 100,
	    c, frac * 100);
}

void
html_badge(FILE *f, const msgpack_object *v)
{
	char c[16];

	class_of(v, c, sizeof c);
	fprintf(f, "<span class=\"badge %s\">", c);
	if (v != NULL && v->type == MSGPACK_OBJECT_STR) {
		/* "at_risk" reads "at risk". */
		const char *p = v->via.str.ptr, *end = p + v->via.str.size, *u;

		while (p < end) {
			u = memchr(p, '_', (size_t)(end - p));
			html_text(f, p, (size_t)((u ? u : end) - p));
			if (u == NULL)
				break;
			putc(' ', f);
			p = u + 1;
		}
	} else
		html_value(f, v);
	fputs("</span>", f);
}

static const char *
health_colour(const msgpack_object *h)
{
	if (mp_str_eq(h, "green"))
		return "#2e7d32";
	if (mp_str_eq(h, "amber"))
		return "#f9a825";
	if (mp_str_eq(h, "red"))
		return "#c62828";
	return "#78909c";
}

void
html_sparkline(FILE *f, const msgpack_object *v,
    const msgpack_object *health, const msgpack_object *forecast, int w,
    int h)
{
	double lo = 0, hi = 0, d, x = 0, y = 0, fv = 0, xw;
	uint32_t n, i, k = 0;
	bool any = false, proj;

	if (v == NULL || v->type != MSGPACK_OBJECT_ARRAY ||
	    (n = v->via.array.size) == 0) {
		putc('-', f);
		return;
	}
	for (i = 0; i < n; i++) {
		if (!mp_num(&v->via.array.ptr[i], &d))
			continue;
		if (!any || d < lo)
			lo = d;
		if (!any || d > hi)
			hi = d;
		any = true;
	}
	if (!any) {
		putc('-', f);
		return;
	}
	/* The projection: its value widens the scale, and the readings
	 * keep the first four fifths of the width. */
	proj = forecast != NULL && forecast->type == MSGPACK_OBJECT_MAP &&
	    mp_num(mp_map_get(forecast, "value"), &fv);
	if (proj) {
		lo = fv < lo ? fv : lo;
		hi = fv > hi ? fv : hi;
	}
	xw = proj ? (w - 6) * 0.8 : w - 6;
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
	    "height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" "
	    "aria-label=\"last %u readings%s\"><polyline fill=\"none\" "
	    "stroke=\"#455a64\" stroke-width=\"1.5\" points=\"", w, h, w, h,
	    (unsigned)n, proj ? " and their trend" : "");
	for (i = 0; i < n; i++) {
		if (!mp_num(&v->via.array.ptr[i], &d))
			continue;
		x = n > 1 ? 3 + (double)i * xw / (n - 1) : 3 + xw / 2.0;
		y = hi > lo ? h - 3 - (d - lo) / (hi - lo) * (h - 6) : h / 2.0;
		fprintf(f, "%s%.1f,%.1f", k++ ? " " : "", x, y);
	}
	fputs("\"/>", f);
	if (proj)
		fprintf(f, "<line class=\"trend\" x1=\"%.1f\" y1=\"%.1f\" "
		    "x2=\"%.1f\" y2=\"%.1f\" stroke=\"#455a64\" "
		    "stroke-width=\"1.5\" stroke-dasharray=\"3 2\"/>", x, y,
		    (double)w - 3, hi > lo ? h - 3 - (fv - lo) / (hi - lo) *
		    (h - 6) : h / 2.0);
	fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" "
	    "fill=\"%s\"/></svg>", x, y, health_colour(health));
}

void
html_begin(FILE *f, const char *title)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	    "<meta name=\"viewport\" content=\"width=device-width\">"
	    "<title>", f);
	html_str(f, title);
	fprintf(f, "</title><style>%s</style></head><body>\n", style);
}

void
html_end(FILE *f)
{
	fputs("<p class=\"muted\">Made by cairn report.  Progress bars are "
	    "coloured by status (on track, at risk, off track, done) or KPI "
	    "health.</p>\n</body></html>\n", f);
}
