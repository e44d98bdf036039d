#!/usr/bin/env bash
# The whole test suite: install what is missing, build the dev preset (clang, ASan+UBSan),
# run every ctest test (unit, integration, end-to-end with live processes, the fuzz targets'
# corpus and regression replays, lint), then the built-in campaigns against the findings
# baseline (scripts/findings-ci.sh: fails on a new finding), then fuzz every target briefly
# (scripts/fuzz-ci.sh). Exits non-zero when any test fails, a campaign finds something the
# baseline does not know, or the fuzzers find a crash.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
cmake --preset dev >/dev/null
cmake --build --preset dev
ctest --preset dev
scripts/findings-ci.sh build/dev 20
scripts/fuzz-ci.sh build/dev "${MTC_FUZZ_CI_SECONDS:-25}"
