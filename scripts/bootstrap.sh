#!/usr/bin/env bash
# Installs exactly the Debian packages mtcfuzz needs to build, test and fuzz, and nothing else.
# Idempotent: a package already installed is skipped, and apt-get is not run at all when
# nothing is missing. Needs root (or sudo) only when something has to be installed.
set -euo pipefail

PACKAGES=(
  # toolchains: gcc 12 and clang 14 both build the tree; lld/llvm give libFuzzer links and symbolizer
  build-essential cmake ninja-build pkg-config git
  clang libclang-rt-14-dev lld llvm clang-format clang-tidy
  # fuzzing
  afl++
  # libraries
  libssl-dev libpcap-dev libboost-program-options-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  nlohmann-json3-dev libtomlplusplus-dev libspdlog-dev libfmt-dev
  # PNG plots of the benches are deflated with zlib (optional: stored blocks without it)
  zlib1g-dev
  # capture and dissection tools used by tests
  tcpdump tshark iproute2 procps
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "bootstrap: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "bootstrap: need root or sudo to install: ${missing[*]}" >&2; exit 3; }
  SUDO="sudo"
fi

echo "bootstrap: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer no without a prompt.
echo "wireshark-common wireshark-common/install-setuid boolean false" | $SUDO debconf-set-selections
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
echo "bootstrap: done"
