/* test_file.c: how the client writes files (client/file.c): never through
 * a link, the mode asked for whatever the umask, nothing left on failure. */
#include <sys/stat.h>

#include <dirent.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../client/file.h"

static char dir[64];

static int
setup(void **state)
{
	snprintf(dir, sizeof dir, "/tmp/cairn-test-file.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	umask(022);
	return 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* dir/name; four buffers in turn, so that two may be arguments of one
 * call. */
static char *
in_dir(const char *name)
{
	static char path[4][256];
	static int next;
	char *p = path[next++ % 4];

	snprintf(p, sizeof path[0], "%s/%s", dir, name);
	return p;
}

static size_t
entries(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	size_t n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.' || (strcmp(e->d_name, ".") != 0 &&
		    strcmp(e->d_name, "..") != 0))
			n++;
	closedir(d);
	return n;
}

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void
test_mode_parse(void **state)
{
	mode_t m;

	assert_true(file_mode_parse("600", &m));
	assert_int_equal(m, 0600);
	assert_true(file_mode_parse("0640", &m));
	assert_int_equal(m, 0640);
	assert_true(file_mode_parse("000", &m));
	assert_int_equal(m, 0);
	assert_false(file_mode_parse("4755", &m));	/* setuid */
	assert_false(file_mode_parse("1777", &m));	/* sticky */
	assert_false(file_mode_parse("06400", &m));
	assert_false(file_mode_parse("64", &m));
	assert_false(file_mode_parse("8", &m));
	assert_false(file_mode_parse("689", &m));
	assert_false(file_mode_parse("", &m));
	assert_false(file_mode_parse("0x1a4", &m));
	assert_false(file_mode_parse(" 600", &m));
	assert_int_equal(file_dir_mode(0600), 0700);
	assert_int_equal(file_dir_mode(0640), 0750);
	assert_int_equal(file_dir_mode(0644), 0755);
}

/* The mode is the one asked for, not the umask's (022 here). */
static void
test_commit_mode(void **state)
{
	struct file_out fo;
	char err[256];
	struct stat st;

	assert_true(file_open(&fo, AT_FDCWD, in_dir("a"), 0600, err,
	    sizeof err));
	fputs("hello\n", fo.f);
	assert_true(file_commit(&fo, err, sizeof err));
	assert_int_equal(stat(in_dir("a"), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_size, 6);
	assert_true(file_open(&fo, AT_FDCWD, in_dir("b"), 0664, err,
	    sizeof err));
	assert_true(file_commit(&fo, err, sizeof err));
	assert_int_equal(stat(in_dir("b"), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0664);
	assert_int_equal(entries(dir), 2);	/* no temporary file left */
}

/* A link at the name is replaced, never written through. */
static void
test_link_at_name(void **state)
{
	struct file_out fo;
	char err[256], buf[32] = { 0 };
	struct stat st;
	FILE *f;

	write_file(in_dir("victim"), "precious\n");
	assert_int_equal(symlink(in_dir("victim"), in_dir("out")), 0);
	assert_true(file_open(&fo, AT_FDCWD, in_dir("out"), 0600, err,
	    sizeof err));
	fputs("export\n", fo.f);
	assert_true(file_commit(&fo, err, sizeof err));
	assert_int_equal(lstat(in_dir("out"), &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_non_null(f = fopen(in_dir("victim"), "r"));
	assert_non_null(fgets(buf, sizeof buf, f));
	fclose(f);
	assert_string_equal(buf, "precious\n");
}

static void
test_abort_leaves_nothing(void **state)
{
	struct file_out fo;
	char err[256];

	assert_true(file_open(&fo, AT_FDCWD, in_dir("gone"), 0600, err,
	    sizeof err));
	fputs("half", fo.f);
	file_abort(&fo);
	assert_int_equal(access(in_dir("gone"), F_OK), -1);
	assert_int_equal(entries(dir), 0);
	assert_false(file_open(&fo, AT_FDCWD, in_dir("no/such/dir"), 0600,
	    err, sizeof err));
	assert_non_null(strstr(err, "No such file"));
}

static void
test_dir_open(void **state)
{
	char err[256];
	struct stat st;
	int fd;

	fd = file_dir_open(in_dir("new"), 0640, err, sizeof err);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(stat(in_dir("new"), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0750);
	/* An existing empty one of ours: used, its mode left alone. */
	fd = file_dir_open(in_dir("new"), 0600, err, sizeof err);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(stat(in_dir("new"), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0750);
	/* A link to one: refused. */
	assert_int_equal(symlink(in_dir("new"), in_dir("link")), 0);
	assert_int_equal(file_dir_open(in_dir("link"), 0600, err, sizeof err),
	    -1);
	assert_non_null(strstr(err, "not a directory"));
	/* Not empty: refused. */
	write_file(in_dir("new/x"), "x");
	assert_int_equal(file_dir_open(in_dir("new"), 0600, err, sizeof err),
	    -1);
	assert_non_null(strstr(err, "not an empty directory"));
	/* A file: refused. */
	assert_int_equal(file_dir_open(in_dir("new/x"), 0600, err,
	    sizeof err), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mode_parse),
		cmocka_unit_test_setup_teardown(test_commit_mode, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_link_at_name, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_abort_leaves_nothing,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_dir_open, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
