#!/usr/bin/env bash
# The main job: install what is missing, build the release preset, and run `mtcfuzz demo`:
# every registered protocol's campaign (attacks/campaigns/<protocol>.toml) in both variants
# against live role processes on loopback, with a short budget, printing one claims table.
# Reports land in ./mtcfuzz-demo/<campaign>-<variant>/ (report.md, report.json, traces, pcaps).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
cmake --preset release >/dev/null
cmake --build --preset release
exec build/release/harness/cli/mtcfuzz demo "$@"
