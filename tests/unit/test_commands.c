/*
 * test_commands.c: the client's command table (client/commands.c) is
 * whole.  Its entries name their fields, so one left out compiles as
 * NULL or 0: this catches an entry without a handler, usage or summary,
 * argument counts that cannot both hold, positional keys fewer than the
 * arguments they must name, session flags without the network, and two
 * entries answering to the same words.  Also the reads the client sends
 * again after a dropped connection (retry.c): each an op the table sends,
 * none a write that takes a key.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../../client/client.h"

/* cairn.c holds main; these are all the table needs from it. */
int
cmd_help(struct client *c, struct cmd_args *a)
{
	(void)c;
	(void)a;
	return CX_OK;
}

int
cairn_exit_code(const char *code, size_t len)
{
	(void)code;
	(void)len;
	return CX_ERROR;
}

int
usage_error(const struct cmd_entry *e, const char *fmt, ...)
{
	(void)e;
	(void)fmt;
	return CX_USAGE;
}

static int
nspecs(const struct opt_spec *s)
{
	int n = 0;

	while (s != NULL && s[n].name != NULL)
		n++;
	return n;
}

static const char *
label(const struct cmd_entry *e, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s", e->name, e->sub ? " " : "",
	    e->sub ? e->sub : "");
	return buf;
}

static void
test_entries_whole(void **state)
{
	char what[64];

	(void)state;
	assert_true(ncmds > 0);
	for (size_t i = 0; i < ncmds; i++) {
		const struct cmd_entry *e = &cmd_table[i];

		assert_non_null(e->name);
		label(e, what, sizeof what);
		if (e->exec == NULL || e->usage == NULL || e->summary == NULL)
			fail_msg("%s: no handler, usage or summary", what);
		if (e->min_args < 0 || e->min_args > e->max_args)
			fail_msg("%s: min_args %d, max_args %d", what,
			    e->min_args, e->max_args);
		/* Every positional the request carries has a name. */
		if (e->keys != NULL && nspecs(e->keys) < e->max_args)
			fail_msg("%s: %d keys for up to %d arguments", what,
			    nspecs(e->keys), e->max_args);
		if ((e->flags & (CMD_TOKEN | CMD_RESUME)) &&
		    !(e->flags & CMD_NET))
			fail_msg("%s: a session without the network", what);
		/* A command that sends its table op says which. */
		if ((e->flags & CMD_IDEM) && e->op == NULL)
			fail_msg("%s: CMD_IDEM without an op", what);
	}
}

static void
test_words_unique(void **state)
{
	char what[64];

	(void)state;
	for (size_t i = 0; i < ncmds; i++)
		for (size_t j = i + 1; j < ncmds; j++) {
			const struct cmd_entry *a = &cmd_table[i];
			const struct cmd_entry *b = &cmd_table[j];

			if (strcmp(a->name, b->name) != 0)
				continue;
			if ((a->sub == NULL && b->sub == NULL) ||
			    (a->sub != NULL && b->sub != NULL &&
			    strcmp(a->sub, b->sub) == 0))
				fail_msg("%s: two entries",
				    label(a, what, sizeof what));
		}
}

static void
test_read_ops(void **state)
{
	const char *const *r = client_read_ops();

	(void)state;
	assert_true(client_is_read("user.get"));
	assert_false(client_is_read("kr.checkin"));
	assert_false(client_is_read("user.ge"));
	for (; *r != NULL; r++) {
		bool sent = false;

		for (size_t i = 0; i < ncmds; i++) {
			const struct cmd_entry *e = &cmd_table[i];

			if (e->op == NULL || strcmp(e->op, *r) != 0)
				continue;
			sent = true;
			if (e->flags & CMD_IDEM)
				fail_msg("%s: a read with CMD_IDEM", *r);
		}
		if (!sent)
			fail_msg("%s: a read no command sends", *r);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_entries_whole),
		cmocka_unit_test(test_words_unique),
		cmocka_unit_test(test_read_ops),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
