/*
 * test_report.c: cairn report's page (client/report.c, client/html.c) from
 * replies shaped as the server sends them: every user string escaped, the
 * tree's lists balanced whatever the depths, classes only from a-z and _,
 * a sparkline per KPI.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../client/html.h"
#include "../../client/report.h"
#include "json2mp.h"

struct doc {
	msgpack_sbuffer		sb;
	msgpack_unpacked	up;
};

static const msgpack_object *
doc_of(struct doc *d, const char *json)
{
	msgpack_packer pk;
	size_t off = 0;

	msgpack_sbuffer_init(&d->sb);
	msgpack_packer_init(&pk, &d->sb, msgpack_sbuffer_write);
	assert_true(json_to_msgpack(&pk, json, strlen(json)));
	msgpack_unpacked_init(&d->up);
	assert_int_equal(msgpack_unpack_next(&d->up, d->sb.data, d->sb.size,
	    &off), MSGPACK_UNPACK_SUCCESS);
	return &d->up.data;
}

static void
doc_free(struct doc *d)
{
	msgpack_unpacked_destroy(&d->up);
	msgpack_sbuffer_destroy(&d->sb);
}

static size_t
count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}

static const char tree_json[] =
	"{\"period\": \"FY2026-Q3\", \"objectives\": ["
	"{\"id\": 1, \"parent\": null, \"depth\": 1, \"hidden\": false,"
	" \"title\": \"<script>alert('x')</script> & \\\"co\\\"\","
	" \"team\": \"company\", \"owner\": \"erin\", \"progress\": 0.5,"
	" \"weight\": 1, \"expected\": 0.6, \"status\": \"at_risk\","
	" \"stale\": false, \"guardrail_breach\": false},"
	"{\"id\": 2, \"parent\": 1, \"depth\": 2, \"hidden\": false,"
	" \"title\": \"Cut cost 10% & keep <deliveries>\", \"team\": \"logistics\","
	" \"owner\": \"lena\", \"progress\": 0.7, \"weight\": 1,"
	" \"expected\": 0.6, \"status\": \"x\\\" onmouseover=\\\"evil\","
	" \"stale\": true, \"guardrail_breach\": true},"
	"{\"id\": 3, \"parent\": 2, \"depth\": 3, \"hidden\": false,"
	" \"title\": \"Deep\", \"team\": \"t\", \"owner\": \"o\","
	" \"progress\": 1, \"weight\": 1, \"expected\": 0.6,"
	" \"status\": \"done\", \"stale\": false, \"guardrail_breach\": false,"
	" \"signoff\": \"proposed\"},"
	"{\"id\": null, \"parent\": null, \"depth\": 2, \"hidden\": true,"
	" \"title\": null, \"team\": null, \"owner\": null, \"progress\": 0.25,"
	" \"weight\": 1},"
	"{\"id\": 5, \"parent\": null, \"depth\": 1, \"hidden\": false,"
	" \"title\": \"Second root\", \"team\": \"service\", \"owner\": \"chen\","
	" \"progress\": 0, \"weight\": 1, \"expected\": 0.6,"
	" \"status\": \"off_track\", \"stale\": false,"
	" \"guardrail_breach\": false, \"signoff\": \"sent_back\"}],"
	"\"teams\": ["
	"{\"slug\": \"company\", \"parent\": null, \"depth\": 1,"
	" \"progress\": 0.5, \"objectives\": 2, \"limit\": 4,"
	" \"kpis\": {\"green\": 1, \"amber\": 0, \"red\": 1, \"none\": 0},"
	" \"health\": 55, \"weakest\": \"assessment\"},"
	"{\"slug\": \"service\", \"parent\": \"company\", \"depth\": 2,"
	" \"progress\": 0.4, \"objectives\": 5, \"limit\": 4,"
	" \"kpis\": {\"green\": 0, \"amber\": 1, \"red\": 0, \"none\": 0},"
	" \"health\": 30, \"weakest\": \"focus\"}]}";

static const char health_json[] =
	"{\"teams\": [{\"team\": \"service\", \"score\": 31,"
	" \"parts\": {\"checkins\": 0.5, \"focus\": 0}, \"weakest\": \"focus\"}]}";

static const char kpis_json[] =
	"[{\"id\": 6, \"team\": \"service\", \"name\": \"Response <4 h>\","
	" \"unit\": \"h\", \"direction\": \"down\", \"green\": 2, \"amber\": 4,"
	" \"latest\": {\"value\": 4.9, \"at\": \"2026-12-01T09:00:00Z\"},"
	" \"health\": \"red\", \"stale\": false,"
	" \"recent\": [1.8, 1.7, 2.9, 4.9],"
	" \"forecast\": {\"value\": 9.5, \"at\": \"2026-12-16T09:00:00Z\","
	" \"breach_in_days\": null, \"n\": 4, \"r2\": 0.8}},"
	" {\"id\": 7, \"team\": \"x\", \"name\": \"Flat\", \"unit\": \"\","
	" \"direction\": \"up\", \"green\": 1, \"amber\": 0, \"latest\": null,"
	" \"health\": \"none\", \"stale\": true, \"recent\": []}]";

static const char objectives_json[] =
	"[{\"id\": 3, \"team\": \"t\", \"title\": \"Deep\","
	" \"grade\": 0.9, \"met\": true, \"grade_note\": \"a <b>note</b>\"},"
	" {\"id\": 2, \"title\": \"ungraded\", \"grade\": null}]";

static const char retros_json[] =
	"[{\"team\": \"company\", \"notes\": []},"
	" {\"team\": \"service\", \"notes\": [{\"author\": \"chen\","
	" \"at\": \"2026-12-01\", \"note\": \"We took on <too> much & more\"}]}]";

static char *
page(const struct report *r)
{
	char *text = NULL;
	size_t n;
	FILE *f = open_memstream(&text, &n);

	assert_non_null(f);
	report_page(f, r);
	fclose(f);
	return text;
}

static void
test_page(void **state)
{
	struct doc t, h, k, o, x;
	struct report r = { "FY2026-Q3", "2026-12-02 09:00 UTC", NULL, NULL,
	    NULL, NULL, NULL };
	char *s;

	r.tree = doc_of(&t, tree_json);
	r.health = doc_of(&h, health_json);
	r.kpis = doc_of(&k, kpis_json);
	r.objectives = doc_of(&o, objectives_json);
	r.retros = doc_of(&x, retros_json);
	s = page(&r);

	/* No markup from the data; the page's own only. */
	assert_null(strstr(s, "<script"));
	assert_null(strstr(s, "<deliveries>"));
	assert_null(strstr(s, "<b>note"));
	assert_null(strstr(s, "<too>"));
	assert_null(strstr(s, "onmouseover=\""));
	assert_non_null(strstr(s, "&lt;script&gt;alert(&#39;x&#39;)"
	    "&lt;/script&gt; &amp; &quot;co&quot;"));
	assert_non_null(strstr(s, "Cut cost 10% &amp; keep &lt;deliveries&gt;"));
	assert_non_null(strstr(s, "Response &lt;4 h&gt;"));
	assert_non_null(strstr(s, "We took on &lt;too&gt; much &amp; more"));
	/* The bad status became a harmless class. */
	assert_non_null(strstr(s, "class=\"badge xonmouseoverevi\""));

	/* Lists balanced across depths 1, 2, 3, back to 2 and to 1. */
	assert_int_equal(count(s, "<ul"), count(s, "</ul>"));
	assert_int_equal(count(s, "<li>"), count(s, "</li>"));
	assert_int_equal(count(s, "<li>"), 5);
	assert_int_equal(count(s, "<ul"), 3);
	assert_non_null(strstr(s, "an objective you may not read"));

	assert_non_null(strstr(s, "class=\"badge at_risk\">at risk"));
	assert_non_null(strstr(s, "class=\"badge done\""));
	assert_non_null(strstr(s, "guardrail breached"));
	assert_non_null(strstr(s, "grade 0.90"));
	/* Sign-off: the proposed one and the sent-back one marked, the
	 * proposed ones counted; an approved or absent one not. */
	assert_int_equal(count(s, "mark signoff\">proposed"), 1);
	assert_int_equal(count(s, "mark signoff\">sent back"), 1);
	assert_non_null(strstr(s, "<b>1</b>awaiting sign-off"));
	assert_non_null(strstr(s, "5 / 4 over the limit"));
	/* Health from the health op where it has the team, else the tree. */
	assert_non_null(strstr(s, "width:31%"));
	assert_non_null(strstr(s, "width:55%"));
	/* One sparkline: the KPI with readings; "-" for the other. */
	assert_int_equal(count(s, "<svg"), 1);
	assert_int_equal(count(s, "<polyline"), 1);
	assert_non_null(strstr(s, "fill=\"#c62828\""));
	/* Its forecast, 9.5, as a dashed segment to the right edge (117)
	 * and the top (3): the highest value on the scale. */
	assert_int_equal(count(s, "stroke-dasharray"), 1);
	assert_non_null(strstr(s, "x2=\"117.0\" y2=\"3.0\""));
	assert_non_null(strstr(s, "last 4 readings and their trend"));
	assert_int_equal(count(s, "<h3>"), 1);	/* teams with notes only */
	assert_non_null(strstr(s, "</html>"));
	free(s);
	doc_free(&t);
	doc_free(&h);
	doc_free(&k);
	doc_free(&o);
	doc_free(&x);
}

static void
test_empty(void **state)
{
	struct report r = { "Q", "now", NULL, NULL, NULL, NULL, NULL };
	char *s = page(&r);

	assert_non_null(strstr(s, "No objectives in this period."));
	assert_non_null(strstr(s, "No KPIs."));
	assert_null(strstr(s, "<ul"));
	free(s);
}

static void
test_text(void **state)
{
	char *text = NULL;
	size_t n;
	FILE *f = open_memstream(&text, &n);

	/* Bad UTF-8 and a lone continuation byte: U+FFFD each; controls and
	 * a bidi override dropped; tab, newline and valid UTF-8 kept. */
	html_str(f, "a\xff" "b\x80" "c\x01\x1b[31m\td\n\xc3\xa9\xe2\x80\xae!");
	fclose(f);
	assert_string_equal(text, "a\xef\xbf\xbd" "b\xef\xbf\xbd" "c[31m\td\n"
	    "\xc3\xa9!");
	free(text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_page),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
