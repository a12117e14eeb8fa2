#!/usr/bin/env bash
# Installs what rnnscope needs to build and test: Debian packages and the .venv with the
# pinned Python requirements. Idempotent: does nothing when everything is present.
set -euo pipefail
cd "$(dirname "$0")/.."

# clang-14 + libclang-rt-14-dev: libFuzzer for tests/fuzz (`make fuzz`, and its smoke run in `make test`).
apt_packages=(g++ make libhdf5-dev libtomlplusplus-dev libcli11-dev nlohmann-json3-dev
              libgtest-dev zlib1g-dev libeigen3-dev libopenmpi-dev openmpi-bin dataset-fashion-mnist ripser
              python3-venv chromium  # chromium: the report tests open pages in it, headless
              clang-14 libclang-rt-14-dev)
missing=()
for pkg in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  echo "install-deps: installing Debian packages: ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "install-deps: creating .venv"
  "$python" -m venv .venv
fi
stamp=.venv/.rnnscope-requirements
if ! cmp -s requirements.txt "$stamp"; then
  echo "install-deps: installing Python requirements into .venv"
  .venv/bin/pip install -q --disable-pip-version-check -r requirements.txt
  cp requirements.txt "$stamp"
fi
