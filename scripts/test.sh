#!/usr/bin/env bash
# The whole test suite: install what is missing, build the dev preset (clang, ASan+UBSan),
# run every ctest test (unit, integration, end-to-end with live processes, the fuzz targets'
# corpus and regression replays, lint), then fuzz every target briefly (scripts/fuzz-ci.sh).
# Exits non-zero when any test fails or the fuzzers find a crash.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
cmake --preset dev >/dev/null
cmake --build --preset dev
ctest --preset dev
scripts/fuzz-ci.sh build/dev "${MTC_FUZZ_CI_SECONDS:-25}"
