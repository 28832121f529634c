#!/usr/bin/env bash
# The Makefile's shortcuts build what they need and no more: `make run` and `make collect`
# build only the llmon binary (not the test binaries: about 70 s more on a fresh clone).
source "$(dirname "$0")/lib.sh"
BUILD="$(dirname "$LLMON_BIN")"

for target in run collect; do
  make -s -C "$LLMON_SOURCE_DIR" -n "$target" BUILD_DIR="$BUILD" > "$WORK/$target.cmds"
  check "make $target: every build step is --target llmon" \
    bash -c "grep -q 'cmake --build' '$WORK/$target.cmds' && ! grep 'cmake --build' '$WORK/$target.cmds' | grep -qv -- '--target llmon\$'"
done
# What --target llmon would do in this build tree: nothing of the tests.
cmake --build "$BUILD" --target llmon -- -n -B > "$WORK/graph" 2>&1 || true
check "the llmon target builds no test binary" \
  bash -c "grep -q 'llmon_core' '$WORK/graph' && ! grep -Eq 'llmon_unit_tests|fake_ollama|fake_rocm_smi|notify_listener|sandbox_probe' '$WORK/graph'"

finish
