#!/usr/bin/env bash
# Fuzz target speed (issue 8): exec/s of every target under libFuzzer as a ratio against an
# empty target built with the same flags (sanitizers, coverage) and run in this same session,
# before and after the targets (their mean is the baseline, so drift of a shared machine shows
# as the two differing). Each target starts from a scratch copy of its seed corpus (nothing is
# written back). Optionally (--crypto BUILD) the share of each role target's instructions spent
# in libcrypto, from callgrind over its seed corpus with the plain driver of a non-sanitised
# build (the release preset: build/release/targets/<target>).
#
#   bench/fuzz_targets.sh [--bin-dir DIR] [--time S] [--crypto RELEASE_BUILD_DIR] [TARGET...]
#   (defaults: build/dev/targets/libfuzzer, 10 s each, every target)
set -euo pipefail
cd "$(dirname "$0")/.."
bins=build/dev/targets/libfuzzer
seconds=10
crypto=""
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --bin-dir) bins=$2; shift 2 ;;
    --time) seconds=$2; shift 2 ;;
    --crypto) crypto=$2; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    -*) echo "fuzz_targets.sh: unknown option $1" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
[ -x "$bins/mtc_fuzz_empty" ] || { echo "fuzz_targets.sh: $bins/mtc_fuzz_empty is not built" >&2; exit 2; }
# "NAME KIND" of every target of the fuzz binaries in DIR (mtc_fuzz_*, one per protocol's
# decoder, one per protocol's roles, one for the inputs).
list_targets() {
  local bin
  for bin in "$1"/mtc_fuzz_*; do
    [ -f "$bin" ] && [ -x "$bin" ] && [ "${bin##*/}" != mtc_fuzz_empty ] || continue
    MTC_FUZZ_LIST=1 "$bin" | awk '$1 == "mtc-fuzz-target" { print $2, $3 }'
  done
}
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(list_targets "$bins" | cut -d' ' -f1)
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# exec/s of one libFuzzer run: BIN SEEDS_DIR (may be empty).
rate() {
  local bin=$1 seeds=$2 scratch
  scratch=$(mktemp -d -p "$work")
  "$bin" -max_total_time="$seconds" -print_final_stats=1 -timeout=25 "$scratch" ${seeds:+"$seeds"} \
    2>"$scratch.log" >/dev/null || true
  grep -o 'stat::average_exec_per_sec: *[0-9]*' "$scratch.log" | grep -o '[0-9]*$' || echo 0
}

empty_before=$(rate "$bins/mtc_fuzz_empty" "")
declare -A exec_s
for t in "${targets[@]}"; do
  seeds=""
  [ -d "corpus/$t" ] && seeds="corpus/$t"
  exec_s[$t]=$(rate "$bins/$t" "$seeds")
  echo "  $t: ${exec_s[$t]} exec/s" >&2
done
empty_after=$(rate "$bins/mtc_fuzz_empty" "")
empty=$(( (empty_before + empty_after) / 2 ))

echo "| target | exec/s | ratio to empty |"
echo "|---|---:|---:|"
for t in "${targets[@]}"; do
  awk -v t="$t" -v e="${exec_s[$t]}" -v b="$empty" 'BEGIN { printf "| %s | %d | %.4f |\n", t, e, (b > 0 ? e / b : 0) }'
done
echo
echo "empty target: $empty_before exec/s before, $empty_after after ($seconds s each, $bins)"

[ -n "$crypto" ] || exit 0
command -v valgrind >/dev/null || { echo "fuzz_targets.sh: --crypto needs valgrind" >&2; exit 2; }
echo
echo "| role target | libcrypto share of instructions |"
echo "|---|---:|"
for t in "${targets[@]}"; do
  case "$(list_targets "$crypto/targets" | awk -v t="$t" '$1 == t { print $2 }')" in
    role) ;;
    *) continue ;;
  esac
  out="$work/$t.callgrind"
  valgrind --tool=callgrind --callgrind-out-file="$out" "$crypto/targets/$t" "corpus/$t" >/dev/null 2>&1 || true
  # Self cost per ELF object: "ob=" sets the current object ("cob=" names one for a call, and
  # either may define an id's name first), a cost line after "calls=" is a call's inclusive
  # cost (skipped), every other cost line is self cost.
  awk '
    /^c?ob=/ { callee = ($0 ~ /^cob=/); s = substr($0, callee ? 5 : 4);
             if (match(s, /^\([0-9]+\)/)) { id = substr(s, 1, RLENGTH);
               rest = substr(s, RLENGTH + 2); if (rest != "") name[id] = rest; o = name[id] }
             else o = s;
             if (!callee) cur = o; next }
    /^calls=/ { skip = 1; next }
    /^[0-9+*-]/ { if (skip) { skip = 0; next } n = split($0, a, " "); if (n >= 2) self[cur] += a[2]; next }
    END { for (o in self) { total += self[o]; if (o ~ /libcrypto/) c += self[o] }
          printf "| %s | %.1f%% |\n", t, (total > 0 ? 100 * c / total : 0) }' t="$t" "$out"
done
