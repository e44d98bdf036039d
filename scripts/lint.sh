#!/usr/bin/env bash
# Style and static checks: `scripts/lint.sh format` (clang-format, no changes allowed) and
# `scripts/lint.sh tidy BUILD_DIR` (clang-tidy with the repo's .clang-tidy over every source
# file, using BUILD_DIR/compile_commands.json). ctest runs both.
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
    build=${2:?usage: scripts/lint.sh tidy BUILD_DIR}
    find $(existing protocols harness attacks targets) -name '*.cpp' | sort |
      xargs -P"$(nproc)" -n4 clang-tidy -p "$build" --quiet
    echo "clang-tidy: clean"
    ;;
  *) echo "usage: scripts/lint.sh format | tidy BUILD_DIR" >&2; exit 2 ;;
esac
