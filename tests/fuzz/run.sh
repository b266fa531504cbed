#!/bin/sh
# run.sh DIR: run each libFuzzer target in DIR (built by make fuzz) for
# $FUZZ_SECONDS seconds (default 60), starting from the seed corpus in
# tests/fuzz/corpus/TARGET.  New inputs go to DIR/corpus/TARGET, never
# into the committed seeds; a crash, leak, timeout or sanitizer report is
# saved as DIR/crash/TARGET-* and makes this script exit non-zero.  To
# keep one, copy it into tests/fuzz/corpus/TARGET/ and into a unit test.
#
#   sh tests/fuzz/run.sh build-fuzz [TARGET...]
set -u
DIR=$1
shift
HERE=$(cd "$(dirname "$0")" && pwd)
SECONDS_EACH=${FUZZ_SECONDS:-60}
# Inputs up to a frame of the e2e tests' max_frame (65536) and a header.
MAX_LEN=${FUZZ_MAX_LEN:-65542}
TARGETS=${*:-$(cd "$DIR" && ls fuzz_* 2>/dev/null | grep -v '\.' )}

: "${ASAN_OPTIONS:=detect_leaks=1:abort_on_error=1}"
: "${UBSAN_OPTIONS:=print_stacktrace=1:halt_on_error=1}"
export ASAN_OPTIONS UBSAN_OPTIONS

failed=""
for t in $TARGETS; do
	name=${t#fuzz_}
	mkdir -p "$DIR/corpus/$name" "$DIR/crash"
	echo "=== $t: $SECONDS_EACH s"
	"$DIR/$t" "$DIR/corpus/$name" "$HERE/corpus/$name" \
	    -max_total_time="$SECONDS_EACH" -max_len="$MAX_LEN" \
	    -detect_leaks=1 -timeout=10 -rss_limit_mb=2048 \
	    -print_final_stats=1 \
	    -artifact_prefix="$DIR/crash/$name-" >"$DIR/$t.log" 2>&1
	rc=$?
	grep -E "^(#[0-9]+ *DONE|stat::number_of_executed_units|stat::peak_rss_mb)" \
	    "$DIR/$t.log"
	if [ $rc -ne 0 ] || grep -qE "ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:" "$DIR/$t.log"; then
		echo "run.sh: $t FAILED (exit $rc); see $DIR/$t.log:" >&2
		grep -E "ERROR|runtime error|SUMMARY|Test unit written" \
		    "$DIR/$t.log" | head -20 >&2
		failed="$failed $t"
	fi
done
if [ -n "$failed" ]; then
	echo "run.sh: FAILED:$failed" >&2
	exit 1
fi
echo "run.sh: every target ran $SECONDS_EACH s clean"
