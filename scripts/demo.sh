#!/usr/bin/env bash
# The main job: install what is missing, build the release preset, and run the demo.
# Until the attacker engine lands, the demo is the in-process ProSe simulation of 1000 honest
# sessions in both variants and in the extended mode.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
cmake --preset release >/dev/null
cmake --build --preset release
bin=build/release/harness/cli/mtcfuzz
for args in "--variant as-specified" "--variant hardened" "--variant as-specified --extended"; do
  # shellcheck disable=SC2086
  "$bin" simulate prose --sessions 1000 $args
  echo
done
# The same protocol as live processes on loopback, every frame through the hub into a pcap.
"$bin" run prose --sessions 200 --concurrency 4 --pcap build/demo-prose.pcap
echo "capture: build/demo-prose.pcap (mtcfuzz pcap ls build/demo-prose.pcap)"
