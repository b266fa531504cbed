/* test_json2mp.c: JSON text to MessagePack, as the audit log needs it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "json2mp.h"
#include "mpack.h"

static const struct mp_limits lim = { 32, 1 << 20 };

static bool
convert(const char *json, msgpack_sbuffer *sb)
{
	msgpack_packer pk;

	msgpack_sbuffer_init(sb);
	msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
	return json_to_msgpack(&pk, json, strlen(json));
}

static void
test_object(void **st)
{
	msgpack_sbuffer sb;
	struct mp_doc doc;
	const msgpack_object *v;

	assert_true(convert("{\"id\": 12, \"title\": \"a \\\"q\\\" \\u00e9\\n\","
	    " \"w\": 1.5, \"ok\": true, \"no\": false, \"n\": null,"
	    " \"list\": [1, -2, [], {}], \"e\": {}}", &sb));
	assert_int_equal(mp_decode(&doc, sb.data, sb.size, &lim), MP_OK);
	assert_int_equal(doc.root->type, MSGPACK_OBJECT_MAP);
	assert_int_equal(doc.root->via.map.size, 8);
	assert_int_equal(mp_map_get(doc.root, "id")->via.u64, 12);
	v = mp_map_get(doc.root, "title");
	assert_int_equal(v->via.str.size, strlen("a \"q\" \xc3\xa9\n"));
	assert_memory_equal(v->via.str.ptr, "a \"q\" \xc3\xa9\n",
	    v->via.str.size);
	assert_true(mp_map_get(doc.root, "w")->via.f64 == 1.5);
	assert_true(mp_map_get(doc.root, "ok")->via.boolean);
	assert_false(mp_map_get(doc.root, "no")->via.boolean);
	assert_int_equal(mp_map_get(doc.root, "n")->type, MSGPACK_OBJECT_NIL);
	v = mp_map_get(doc.root, "list");
	assert_int_equal(v->via.array.size, 4);
	assert_int_equal(v->via.array.ptr[1].via.i64, -2);
	assert_int_equal(v->via.array.ptr[2].via.array.size, 0);
	assert_int_equal(v->via.array.ptr[3].via.map.size, 0);
	mp_doc_free(&doc);
	msgpack_sbuffer_destroy(&sb);
}

static void
test_surrogates(void **st)
{
	msgpack_sbuffer sb;
	struct mp_doc doc;

	assert_true(convert("\"\\ud83d\\ude00\"", &sb));
	assert_int_equal(mp_decode(&doc, sb.data, sb.size, &lim), MP_OK);
	assert_int_equal(doc.root->via.str.size, 4);
	assert_memory_equal(doc.root->via.str.ptr, "\xf0\x9f\x98\x80", 4);
	mp_doc_free(&doc);
	msgpack_sbuffer_destroy(&sb);
}

static void
test_bad(void **st)
{
	static const char *bad[] = { "", "{", "{\"a\" 1}", "[1,", "tru",
	    "\"abc", "{\"a\":1,}", "[1] 2", "{1: 2}", "\"\\u12\"" };
	msgpack_sbuffer sb;
	char deep[100];

	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		if (convert(bad[i], &sb))
			fail_msg("accepted '%s'", bad[i]);
		msgpack_sbuffer_destroy(&sb);
	}
	memset(deep, '[', 40);
	memset(deep + 40, ']', 40);
	deep[80] = '\0';
	assert_false(convert(deep, &sb));	/* deeper than 32 */
	msgpack_sbuffer_destroy(&sb);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_object),
		cmocka_unit_test(test_surrogates),
		cmocka_unit_test(test_bad),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
