#!/usr/bin/env bash
# Style and static checks: `scripts/lint.sh format` (clang-format, no changes allowed) and
# `scripts/lint.sh tidy BUILD_DIR [K/N]` (clang-tidy with the repo's .clang-tidy over every
# source file, using BUILD_DIR/compile_commands.json; with K/N only the K-th of N equal shards,
# one file at a time). ctest runs the format check, and the tidy check as six shards that it
# schedules in its slots like any other test (one whole-tree run was a 16-minute test with two
# clang-tidy processes beside the second slot's tests).
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-format}
existing() { for d in "$@"; do [ -d "$d" ] && echo "$d"; done; }
sources() { find $(existing protocols harness attacks targets tests bench) \( -name '*.cpp' -o -name '*.hpp' \) | sort; }
case "$mode" in
  format)
    sources | xargs clang-format --dry-run --Werror
    echo "clang-format: clean"
    ;;
  tidy)
    build=${2:?usage: scripts/lint.sh tidy BUILD_DIR [K/N]}
    shard=${3:-1/1} jobs=$(nproc)
    [[ $shard =~ ^([1-9][0-9]*)/([1-9][0-9]*)$ ]] && ((BASH_REMATCH[1] <= BASH_REMATCH[2])) ||
      { echo "lint.sh: shard '$shard' is not K/N with 1 <= K <= N" >&2; exit 2; }
    k=${BASH_REMATCH[1]} n=${BASH_REMATCH[2]}
    [ "$n" -gt 1 ] && jobs=1
    find $(existing protocols harness attacks targets) -name '*.cpp' | sort |
      awk -v k="$k" -v n="$n" '(NR - 1) % n == k - 1' |
      xargs -r -P"$jobs" -n4 clang-tidy -p "$build" --quiet
    echo "clang-tidy: clean ($shard)"
    ;;
  *) echo "usage: scripts/lint.sh format | tidy BUILD_DIR [K/N]" >&2; exit 2 ;;
esac
