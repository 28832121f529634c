#!/usr/bin/env bash
# Runs the suite of a sanitizer build (`make test-asan`, `make test-tsan`) and fails on any report.
# usage: sanitized_ctest.sh BUILD_DIR JOBS
#
# Reports go to files under BUILD_DIR/sanitizer-logs, since many processes of the e2e tests are
# daemons whose stderr is a log file nobody prints. A test that runs a program with an
# environment of its own (a container, `env -i`) loses that setting, and its reports land on the
# test's output instead: ctest's log of the run is searched for them as well.
set -uo pipefail
build="${1:?build dir}"
jobs="${2:-2}"
logs="$(cd "$build" && pwd)/sanitizer-logs"
rm -rf "$logs"
mkdir -p "$logs"

common="log_path=$logs/report:print_stacktrace=1:halt_on_error=1"
export ASAN_OPTIONS="$common:detect_leaks=1:strict_string_checks=1:check_initialization_order=1"
here="$(cd "$(dirname "$0")" && pwd)"
export UBSAN_OPTIONS="$common:suppressions=$here/ubsan.supp"
export TSAN_OPTIONS="$common:second_deadlock_stack=1:suppressions=$here/tsan.supp"
export LSAN_OPTIONS="$common"

ctest --test-dir "$build" --output-on-failure -j"$jobs"
rc=$?

# The first line of every report each sanitizer prints, and UBSan's "runtime error".
pattern='^(==[0-9]+==)?(ERROR|WARNING): (Address|Leak|Thread|Memory|UndefinedBehavior)Sanitizer|: runtime error: '
found=0
for f in "$logs"/report*; do
  [[ -e "$f" ]] || continue
  found=1
  echo "=== sanitizer report: $f"
  cat "$f"
done
last="$build/Testing/Temporary/LastTest.log"
if [[ -f "$last" ]] && grep -Eq "$pattern" "$last"; then
  found=1
  echo "=== sanitizer reports in the tests' output ($last):"
  grep -En "$pattern" "$last" | head -50
fi
if ((found)); then
  echo "sanitizers: reports found (above)"
  exit 1
fi
echo "sanitizers: no reports"
exit "$rc"
