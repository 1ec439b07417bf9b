#!/usr/bin/env bash
# Installs the system libraries oxblas-openblas links against (OpenBLAS,
# LAPACKE) and pkg-config, on Debian/Ubuntu. Idempotent: does nothing when
# pkg-config already finds both libraries.
set -euo pipefail

if command -v pkg-config >/dev/null 2>&1 && pkg-config --exists openblas lapacke 2>/dev/null; then
  echo "ci/install-deps.sh: openblas and lapacke already installed"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "ci/install-deps.sh: no apt-get here; install OpenBLAS, LAPACKE and pkg-config yourself:" >&2
  echo "  dnf install -y openblas-devel lapack-devel pkgconf-pkg-config   # Fedora" >&2
  echo "  brew install openblas lapack pkg-config                         # macOS" >&2
  exit 1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "ci/install-deps.sh: installing libopenblas-dev liblapacke-dev pkg-config"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq libopenblas-dev liblapacke-dev pkg-config
