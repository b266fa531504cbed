/*
 * test_stmt.c: named parameters (server/stmt.h).  The compile refuses
 * every way a statement's text and its declaration can disagree, and the
 * fill refuses a name the statement does not declare and one left unset.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "stmt.h"

/* Compile sql declared with params; the text or NULL, err filled. */
static char *
compile(const char *sql, const char *params, char *err, size_t len)
{
	struct stmt_def sd = { .name = "t", .kind = STMT_READ, .sql = sql,
	    .params = params };
	char *out = (char *)1;

	err[0] = '\0';
	if (!stmt_compile(&sd, &out, err, len)) {
		assert_null(out);
		assert_true(err[0] != '\0');
		return NULL;
	}
	return out;
}

static void
test_compile_good(void **st)
{
	char err[256], *s;

	(void)st;
	s = compile("SELECT $b::bigint, $a, $b || 'x'", "a b", err,
	    sizeof err);
	assert_non_null(s);
	assert_string_equal(s, "SELECT $2::bigint, $1, $2 || 'x'");
	free(s);
	/* No placeholder inside a literal, a quoted name or a comment. */
	s = compile("SELECT '$x', \"$y\", $a -- $z\n, 'it''s $q' /* $w */",
	    "a", err, sizeof err);
	assert_non_null(s);
	assert_string_equal(s, "SELECT '$x', \"$y\", $1 -- $z\n, "
	    "'it''s $q' /* $w */");
	free(s);
	/* None declared, none used. */
	s = compile("SELECT 1", "", err, sizeof err);
	assert_non_null(s);
	free(s);
	/* Ten and more: $10 is one placeholder, not $1 then 0. */
	s = compile("SELECT $a,$b,$c,$d,$e,$f,$g,$h,$i,$j,$k",
	    "a b c d e f g h i j k", err, sizeof err);
	assert_non_null(s);
	assert_string_equal(s, "SELECT $1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11");
	free(s);
}

static void
test_compile_refuses(void **st)
{
	char err[256];

	(void)st;
	/* A placeholder not declared. */
	assert_null(compile("SELECT $a, $b", "a", err, sizeof err));
	assert_non_null(strstr(err, "$b is not declared"));
	assert_non_null(strstr(err, "statement t"));
	/* A declared name the text never uses. */
	assert_null(compile("SELECT $a", "a unused", err, sizeof err));
	assert_non_null(strstr(err, "unused is never used"));
	/* A positional placeholder in a named statement. */
	assert_null(compile("SELECT $a, $1", "a", err, sizeof err));
	assert_non_null(strstr(err, "positional"));
	/* Dollar quoting would be read as a placeholder. */
	assert_null(compile("SELECT $q$x$q$", "q", err, sizeof err));
	assert_non_null(strstr(err, "dollar quoting"));
	/* A bare $ or a capital. */
	assert_null(compile("SELECT $ 1", "", err, sizeof err));
	assert_null(compile("SELECT $Caller", "caller", err, sizeof err));
	/* Malformed declarations: repeated, bad name, too many. */
	assert_null(compile("SELECT $a", "a a", err, sizeof err));
	assert_non_null(strstr(err, "malformed"));
	assert_null(compile("SELECT $a", "a B", err, sizeof err));
	assert_null(compile("SELECT $a", "a 9x", err, sizeof err));
	{
		char many[STMT_MAXP * 4 + 8] = "", sql[STMT_MAXP * 5 + 16] =
		    "SELECT 0";
		size_t m = 0, q = strlen(sql);

		for (int i = 0; i <= STMT_MAXP; i++) {
			m += (size_t)snprintf(many + m, sizeof many - m,
			    "p%d ", i);
			q += (size_t)snprintf(sql + q, sizeof sql - q, ",$p%d",
			    i);
		}
		assert_null(compile(sql, many, err, sizeof err));
		assert_non_null(strstr(err, "malformed"));
	}
}

static void
test_nparams(void **st)
{
	(void)st;
	assert_int_equal(stmt_nparams(""), 0);
	assert_int_equal(stmt_nparams("caller key  version"), 3);
	assert_int_equal(stmt_nparams(NULL), -1);
	assert_int_equal(stmt_param_index("caller key version", "key", 3), 1);
	assert_int_equal(stmt_param_index("caller key version", "ke", 2), -1);
	assert_int_equal(stmt_param_index("caller key version", "versions",
	    8), -1);
}

static const struct stmt_def sd = {
	.name = "kr_x", .kind = STMT_WRITE,
	.sql = "SELECT $caller, $key, $title", .params = "caller key title",
};

static void
test_fill(void **st)
{
	struct stmt_params sp;
	char why[200];

	(void)st;
	/* In any order, NULL set explicitly: ready, in declared order. */
	sp_init(&sp, &sd, 7);
	sp_set(&sp, "title", "t");
	sp_set(&sp, "caller", "1");
	sp_set(&sp, "key", NULL);
	assert_true(sp_ready(&sp, why, sizeof why));
	assert_int_equal(sp.n, 3);
	assert_int_equal(sp.st, 7);
	assert_string_equal(sp.v[0], "1");
	assert_null(sp.v[1]);
	assert_string_equal(sp.v[2], "t");

	/* A name the statement does not declare. */
	sp_init(&sp, &sd, 7);
	sp_set(&sp, "caller", "1");
	sp_set(&sp, "key", "2");
	sp_set(&sp, "title", "t");
	sp_set(&sp, "titel", "t");
	assert_false(sp_ready(&sp, why, sizeof why));
	assert_non_null(strstr(why, "titel is not declared"));
	assert_non_null(strstr(why, "kr_x"));

	/* A declared one left unset. */
	sp_init(&sp, &sd, 7);
	sp_set(&sp, "caller", "1");
	sp_set(&sp, "title", "t");
	assert_false(sp_ready(&sp, why, sizeof why));
	assert_non_null(strstr(why, "key is left unset"));

	/* sp_set_if sets only what is declared, and sp_has says which. */
	sp_init(&sp, &sd, 7);
	sp_set_if(&sp, "version", "3");
	sp_set_if(&sp, "caller", "1");
	sp_set_if(&sp, "key", "2");
	sp_set(&sp, "title", "t");
	assert_true(sp_ready(&sp, why, sizeof why));
	assert_true(sp_has(&sp, "title"));
	assert_false(sp_has(&sp, "version"));
}

static void
test_fill_positional(void **st)
{
	static const struct stmt_def pos = { .name = "old", .kind = STMT_READ,
	    .sql = "SELECT $1" };
	struct stmt_params sp;
	char why[200];

	(void)st;
	/* A positional statement cannot be run by name. */
	sp_init(&sp, &pos, 1);
	assert_false(sp_ready(&sp, why, sizeof why));
	assert_non_null(strstr(why, "no named parameters"));
}

/* The table cairnd gathers at start-up: each refusal of stmt_gather. */
static void
test_gather(void **st)
{
	static const struct stmt_def a[3] = {
		[0] = { .name = "a0", .sql = "SELECT $x", .params = "x" },
		[2] = { .name = "a2", .sql = "SELECT 1", .params = "" },
	};
	static const struct stmt_def b[3] = {
		[1] = { .name = "b1", .sql = "SELECT 2", .params = "" },
	};
	static const struct stmt_def twice[3] = {
		[2] = { .name = "again", .sql = "SELECT 3", .params = "" },
	};
	static const struct stmt_def pos[3] = {
		[1] = { .name = "old", .sql = "SELECT $1" },
	};
	const struct stmt_def *const good[] = { a, b, NULL };
	const struct stmt_def *const dup[] = { a, b, twice, NULL };
	const struct stmt_def *const hole[] = { a, NULL };
	const struct stmt_def *const positional[] = { a, pos, NULL };
	struct stmt_def out[3];
	char err[200];

	(void)st;
	memset(out, 0, sizeof out);
	assert_true(stmt_gather(good, out, 3, err, sizeof err));
	assert_string_equal(out[1].name, "b1");

	memset(out, 0, sizeof out);
	assert_false(stmt_gather(dup, out, 3, err, sizeof err));
	assert_non_null(strstr(err, "defined twice (a2, again)"));

	memset(out, 0, sizeof out);
	assert_false(stmt_gather(hole, out, 3, err, sizeof err));
	assert_non_null(strstr(err, "statement 1 has no definition"));

	memset(out, 0, sizeof out);
	assert_false(stmt_gather(positional, out, 3, err, sizeof err));
	assert_non_null(strstr(err, "old declares no parameters by name"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compile_good),
		cmocka_unit_test(test_compile_refuses),
		cmocka_unit_test(test_nparams),
		cmocka_unit_test(test_fill),
		cmocka_unit_test(test_fill_positional),
		cmocka_unit_test(test_gather),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
