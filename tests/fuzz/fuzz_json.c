/*
 * fuzz_json.c: libFuzzer target for json2mp, the JSON reader that export
 * and import will feed, and the client's JSON printer behind it.
 *
 * Text json_to_msgpack accepts must pack valid MessagePack within
 * JSON_MAX_DEPTH; text it refuses must pack nothing.  Accepted text is
 * then printed back by client/json.c and read again: the second reading
 * must be accepted too and print the very same text (the first print may
 * differ from the input: whitespace, escapes, 1.0 read back as 1).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "json2mp.h"
#include "mpack.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
fail(const char *what, const char *text, size_t len)
{
	fprintf(stderr, "fuzz_json: %s: %.*s\n", what,
	    (int)(len < 400 ? len : 400), text);
	abort();
}

/*
 * JSON text to MessagePack to JSON text (malloc'd, in *out), checking
 * the MessagePack on the way.  False if json_to_msgpack refused it.
 */
static bool
read_print(const char *text, size_t len, char **out, size_t *outlen)
{
	static const struct mp_limits lim = { JSON_MAX_DEPTH, SIZE_MAX };
	msgpack_sbuffer sb;
	msgpack_packer pk;
	struct mp_doc doc;
	FILE *f;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	if (!json_to_msgpack(&pk, text, len)) {
		if (sb.size != 0)
			fail("refused, but packed something", text, len);
		msgpack_sbuffer_destroy(&sb);
		return false;
	}
	if (mp_decode(&doc, sb.data, sb.size, &lim) != MP_OK)
		fail("accepted, but packed invalid MessagePack", text, len);
	*out = NULL;
	if ((f = open_memstream(out, outlen)) == NULL)
		abort();
	json_print(f, doc.root);
	fclose(f);
	mp_doc_free(&doc);
	msgpack_sbuffer_destroy(&sb);
	return true;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *once, *twice;
	size_t n1, n2;

	if (!read_print((const char *)data, size, &once, &n1))
		return 0;
	if (!read_print(once, n1, &twice, &n2))
		fail("what json_print wrote is refused", once, n1);
	if (n1 != n2 || memcmp(once, twice, n1) != 0) {
		fprintf(stderr, "fuzz_json: printed twice, not the same:\n"
		    "%.*s\n%.*s\n", (int)n1, once, (int)n2, twice);
		abort();
	}
	free(once);
	free(twice);
	return 0;
}
