#!/bin/sh
# Run the unit test binaries given as arguments, show their output, and
# exit non-zero if any of them failed (a failed assertion, a crash, or an
# ASan/UBSan report, which make the binary exit non-zero).
#
#   sh tests/run-unit.sh build/bin/test_frame build/bin/test_mpack ...
#
# Every binary runs even after a failure, so that one report shows them all.

if [ $# -eq 0 ]; then
	echo "usage: sh tests/run-unit.sh TEST_BINARY..." >&2
	exit 2
fi

# A stack trace makes a UBSan report useful; leaks count as failures.
: "${UBSAN_OPTIONS:=print_stacktrace=1}"
: "${ASAN_OPTIONS:=detect_leaks=1}"
export UBSAN_OPTIONS ASAN_OPTIONS

failed=""
n=0
for t in "$@"; do
	n=$((n + 1))
	echo "=== $t"
	if [ ! -x "$t" ]; then
		echo "run-unit: $t: not found or not executable" >&2
		failed="$failed $t"
		continue
	fi
	"$t"
	rc=$?
	if [ $rc -ne 0 ]; then
		if [ $rc -gt 128 ]; then
			echo "run-unit: $t: killed by signal $((rc - 128))" >&2
		else
			echo "run-unit: $t: exit status $rc" >&2
		fi
		failed="$failed $t"
	fi
done

if [ -n "$failed" ]; then
	echo "run-unit: FAILED:$failed" >&2
	exit 1
fi
echo "run-unit: all $n unit test binaries passed"
exit 0
