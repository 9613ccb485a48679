#!/usr/bin/env bash
# Set up everything qftune needs on a Debian 12 machine; a fast no-op when already done.
#   scripts/setup.sh          runtime: Debian packages + .venv with qftune installed editable
#   scripts/setup.sh --test   the same plus the test extra (pytest, pytest-qt, pytest-timeout, ruff, import-linter)
#                             and the explorer extra (ai-edge-model-explorer, for the qftune explore tests)
set -euo pipefail
cd "$(dirname "$0")/.."

WANT_TEST=0
[ "${1:-}" = "--test" ] && WANT_TEST=1

# Qt's system libraries and fonts (REFERENCE.md section 7), adb, the dataset, Xvfb for a real window.
DEB_PACKAGES=(libglib2.0-0 libegl1 libgl1 libx11-6 libdbus-1-3 libxkbcommon0 libfontconfig1 libfreetype6
  fonts-dejavu-core xvfb xauth libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1
  libxcb-render-util0 libxcb-shape0 libxcb-xkb1 libxkbcommon-x11-0 adb dataset-fashion-mnist)
# the test set-up: headless Chromium for the Model Explorer browser test (tests/test_explore.py; it skips
# with the reason where no Chromium is installed)
[ $WANT_TEST = 1 ] && DEB_PACKAGES+=(chromium)

missing=()
for p in "${DEB_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "setup: installing Debian packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "setup: missing Debian packages: ${missing[*]}" >&2
    echo "setup: run as root, or: sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
fi

PY=${PYTHON:-python3}
if ! "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "setup: qftune needs Python >= 3.11 ($PY is $("$PY" --version 2>&1))" >&2
  exit 1
fi
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv"
  "$PY" -m venv .venv || { echo "setup: '$PY -m venv' failed; install python3-venv" >&2; exit 1; }
fi

# Re-install only when the dependencies changed (stamp = hash of pyproject.toml + the extra).
extra=""; [ $WANT_TEST = 1 ] && extra="[test,explorer]"   # explorer: CI runs the qftune explore tests
stamp=".venv/.qftune-setup-$(sha256sum pyproject.toml | cut -c1-16)${extra:+-test}"
if [ ! -e "$stamp" ]; then
  echo "setup: installing qftune$extra into .venv (first time: about a minute)"
  .venv/bin/python -m pip install -q --disable-pip-version-check -e ".$extra"
  rm -f .venv/.qftune-setup-*
  touch "$stamp"
  # a test set-up also satisfies a runtime set-up
  if [ -n "$extra" ]; then touch "${stamp%-test}"; fi
fi
exit 0
