#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# scripts/deps.sh - the one place that knows which Debian 12 packages bcastdec
# needs.  It asks dpkg-query what is missing and installs only that:
#   - as root: apt-get update (once), then apt-get install;
#   - as a normal user: the same through `sudo -n` when that works without a
#     password, otherwise it prints the exact command to run and exits 1.
# When nothing is missing it does nothing (no apt-get update, no network).
#
# Usage: scripts/deps.sh [--plugin] [--fuzz] [--all] [--check] [--list]
#   (no option)  build + test packages (what `./run example` / `./run tests` need)
#   --plugin     also the Wireshark 4.0 packages for the plugin
#   --fuzz       also clang + its runtime for real libFuzzer builds
#   --all        everything above
#   --check      only report what is missing; exit 1 if anything is
#   --list       print the selected package names and exit
# Environment: BCASTDEC_SKIP_DEPS=1 skips everything (non-Debian systems,
# packages installed by other means).
set -euo pipefail

# Library and CLI: compiler, build system, OpenSSL 3 (crypto), libxml2 (the
# BCAST XML carriers), glib (shared with the Wireshark plugin).
BUILD_PKGS=(cmake gcc make pkg-config libssl-dev libxml2-dev libglib2.0-dev)
# Tests: python3 + python3-cryptography run the independent end-to-end
# oracle; curl computes HTTP Digest outside the project (e2e.http);
# libgcc-12-dev carries gcc's ASan/UBSan runtimes (build-asan/).
TEST_PKGS=(python3 python3-cryptography curl libgcc-12-dev)
# Real fuzzing (-DBCASTDEC_ENABLE_FUZZING=ON): clang with libFuzzer, whose
# runtime Debian 12 ships in libclang-rt-14-dev.
FUZZ_PKGS=(clang libclang-rt-14-dev)
# Wireshark 4.0 plugin: headers + CMake/pkg-config files, and tshark to test it.
PLUGIN_PKGS=(tshark wireshark-dev libwireshark-dev)

want_plugin=0 want_fuzz=0 check_only=0 list_only=0
for arg in "$@"; do
  case "$arg" in
    --plugin) want_plugin=1 ;;
    --fuzz) want_fuzz=1 ;;
    --all) want_plugin=1 want_fuzz=1 ;;
    --check) check_only=1 ;;
    --list) list_only=1 ;;
    -h | --help)
      sed -n '4,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'
      exit 0
      ;;
    *)
      echo "deps.sh: unknown option '$arg' (try --help)" >&2
      exit 2
      ;;
  esac
done

pkgs=("${BUILD_PKGS[@]}" "${TEST_PKGS[@]}")
((want_fuzz)) && pkgs+=("${FUZZ_PKGS[@]}")
((want_plugin)) && pkgs+=("${PLUGIN_PKGS[@]}")

if ((list_only)); then
  echo "${pkgs[*]}"
  exit 0
fi

if [[ "${BCASTDEC_SKIP_DEPS:-0}" == 1 ]]; then
  echo "deps: skipped (BCASTDEC_SKIP_DEPS=1)"
  exit 0
fi

if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "deps: no dpkg-query: not a Debian system; make sure these (Debian names) are installed:" >&2
  echo "      ${pkgs[*]}" >&2
  exit 0
fi

missing=()
for p in "${pkgs[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
  echo "deps: all ${#pkgs[@]} packages present"
  exit 0
fi

echo "deps: missing: ${missing[*]}"
if ((check_only)); then
  exit 1
fi

apt_opts=(-y --no-install-recommends -o DPkg::Lock::Timeout=300)
if [[ "$(id -u)" == 0 ]]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
else
  echo "deps: not root and no password-less sudo; install them with:" >&2
  echo "  sudo apt-get update && sudo apt-get install ${apt_opts[*]:0:2} ${missing[*]}" >&2
  echo "deps: (or set BCASTDEC_SKIP_DEPS=1 if they are installed by other means)" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
echo "deps: apt-get update"
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
echo "deps: apt-get install ${missing[*]}"
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -q "${apt_opts[@]}" "${missing[@]}"

# Confirm: a package that apt could not provide must not pass silently.
still=()
for p in "${missing[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || still+=("$p")
done
if ((${#still[@]})); then
  echo "deps: still missing after install: ${still[*]}" >&2
  exit 1
fi
echo "deps: installed ${#missing[@]} package(s)"
