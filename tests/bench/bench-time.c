/*
 * bench-time.c: cairn-bench time RUNS COMMAND [ARG ...]
 *
 * Runs COMMAND RUNS times, one after the other, its standard output to
 * /dev/null and its standard error inherited, and prints one line:
 *
 *   runs=5 median_ms=23.456 min_ms=21.000 max_ms=30.123
 *
 * Each run is timed from just before posix_spawnp to just after waitpid
 * returns, on the monotonic clock: what a user waits for a command, and
 * nothing of the shell that asks (a `date` before and after would add two
 * process starts to a figure whose aim is 8 ms).
 *
 * Exit status: 0 every run exited 0; 2 a run failed (its status on stderr,
 * no line printed); 1 bad usage or a spawn failure.
 */
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "xmalloc.h"

extern char **environ;

#define TIME_RUNS_MAX	1000

static int
cmp_ns(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* One run of argv; its wall time in *ns.  0, 2 or 1 as bench_time(). */
static int
time_one(char **argv, uint64_t *ns)
{
	posix_spawn_file_actions_t fa;
	pid_t child;
	uint64_t t0;
	int rc, status;

	if (posix_spawn_file_actions_init(&fa) != 0 ||
	    posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null",
	    O_WRONLY, 0) != 0) {
		fprintf(stderr, "cairn-bench time: file actions failed\n");
		return 1;
	}
	t0 = now_ns();
	rc = posix_spawnp(&child, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0) {
		fprintf(stderr, "cairn-bench time: %s: %s\n", argv[0],
		    strerror(rc));
		return 1;
	}
	while (waitpid(child, &status, 0) == -1)
		if (errno != EINTR) {
			fprintf(stderr, "cairn-bench time: waitpid: %s\n",
			    strerror(errno));
			return 1;
		}
	*ns = now_ns() - t0;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status))
		fprintf(stderr, "cairn-bench time: %s exited %d\n", argv[0],
		    WEXITSTATUS(status));
	else
		fprintf(stderr, "cairn-bench time: %s killed by signal %d\n",
		    argv[0], WTERMSIG(status));
	return 2;
}

int
bench_time(int argc, char **argv)
{
	uint64_t *ns;
	double median;
	char *end;
	long runs;
	int rc = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: cairn-bench time RUNS COMMAND "
		    "[ARG ...]\n");
		return 1;
	}
	errno = 0;
	runs = strtol(argv[0], &end, 10);
	if (errno != 0 || end == argv[0] || *end != '\0' || runs < 1 ||
	    runs > TIME_RUNS_MAX) {
		fprintf(stderr, "cairn-bench time: RUNS: want 1 to %d, not "
		    "'%s'\n", TIME_RUNS_MAX, argv[0]);
		return 1;
	}
	ns = xcalloc((size_t)runs, sizeof *ns);
	for (long i = 0; i < runs && rc == 0; i++)
		rc = time_one(argv + 1, &ns[i]);
	if (rc == 0) {
		qsort(ns, (size_t)runs, sizeof *ns, cmp_ns);
		/* The middle one, or the mean of the middle two. */
		median = runs % 2 ? (double)ns[runs / 2] :
		    ((double)ns[runs / 2 - 1] + (double)ns[runs / 2]) / 2;
		printf("runs=%ld median_ms=%.3f min_ms=%.3f max_ms=%.3f\n",
		    runs, median / 1e6, (double)ns[0] / 1e6,
		    (double)ns[runs - 1] / 1e6);
	}
	free(ns);
	return rc;
}
