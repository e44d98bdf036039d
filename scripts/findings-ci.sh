#!/usr/bin/env bash
# Campaign regression check: runs the built-in campaigns (both variants) with the given build
# and budget, then `mtcfuzz triage findings` against the repository's baseline
# (attacks/findings-baseline.json). Fails on a finding the baseline does not know: an attack
# a change made possible, or a check it lost. GAKA's 1000-member group campaign is left out
# (1002 sanitised role processes do not fit a CI machine's memory).
#
#   scripts/findings-ci.sh [BUILD_DIR] [BUDGET_S] [--update-baseline]
#   (defaults: build/dev, 20 s per run)
#
# --update-baseline rewrites the baseline from this run: do it with a generous budget, so that
# a shorter run in CI only ever finds a subset, and commit it with the change that explains it.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/dev}
budget=${2:-20}
update=${3:-}
mtcfuzz="$build/harness/cli/mtcfuzz"
[ -x "$mtcfuzz" ] || { echo "findings-ci.sh: $mtcfuzz is not built" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/campaigns"
for f in attacks/campaigns/*.toml; do
  [ "$(basename "$f")" = gaka-group.toml ] || cp "$f" "$work/campaigns/"
done
rc=0
"$mtcfuzz" demo --campaigns "$work/campaigns" --budget-s "$budget" -o "$work/demo" \
  >"$work/demo.log" 2>&1 || rc=$?
# The demo exits 1 when a claim is violated, which the as-specified variants are meant to show.
if [ "$rc" -gt 1 ]; then
  cat "$work/demo.log" >&2
  echo "findings-ci.sh: mtcfuzz demo failed (exit $rc)" >&2
  exit "$rc"
fi
if [ "$update" = --update-baseline ]; then
  "$mtcfuzz" triage findings -o "$work/triage" --baseline attacks/findings-baseline.json \
    --update-baseline "$work/demo"
else
  "$mtcfuzz" triage findings -o "$work/triage" --baseline attacks/findings-baseline.json \
    "$work/demo" || { cat "$work/triage/triage.md" >&2; exit 1; }
fi
