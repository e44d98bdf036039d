#!/usr/bin/env bash
# The whole test suite: install what is missing, build the dev preset (clang, ASan+UBSan)
# and run every ctest test. Exits non-zero when any test fails.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
cmake --preset dev >/dev/null
cmake --build --preset dev
ctest --preset dev
