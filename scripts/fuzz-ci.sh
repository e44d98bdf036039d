#!/usr/bin/env bash
# CI's short fuzzing run: every fuzz target under libFuzzer (ASan+UBSan, the dev build's
# targets/libfuzzer binaries) for a fixed time, two at a time, starting from the seed corpora.
# Fails (exit 1) on any crash or FuzzerSecurityIssue; the crash files and logs stay in
# BUILD_DIR/fuzz-ci/<target>/. Nothing is merged back into corpus/ (CI does not edit the tree).
#
#   scripts/fuzz-ci.sh [BUILD_DIR] [SECONDS_PER_TARGET]     (defaults: build/dev, 25)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/dev}
seconds=${2:-25}
bins="$build/targets/libfuzzer"
[ -x "$bins/mtc_fuzz_pcap_reader" ] || { echo "fuzz-ci: the libFuzzer binaries are not built in $bins" >&2; exit 3; }
rm -rf "$build/fuzz-ci"
exec "$build/harness/cli/mtcfuzz" fuzz --engine libfuzzer --bin-dir "$bins" --time "$seconds" \
  --jobs 2 --no-merge -o "$build/fuzz-ci"
