#!/bin/sh
# SPDX-License-Identifier: MIT
# Rebuilds every generated sample under samples/ (each directory with a
# scenario.txt) with bcastdec-gen: capture.pcapng, capture.keys and
# expected.json.  ctest (samples.uptodate) fails when a committed sample
# differs from what the generator writes now, so run this after changing the
# generator, the encoder or a scenario, and commit the result.
#
# usage: samples/regenerate.sh [GENERATOR]     (default: build/bin/bcastdec-gen)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
gen=${1:-$here/../build/bin/bcastdec-gen}
if [ ! -x "$gen" ]; then
  echo "regenerate.sh: $gen not found; build first: cmake --build build" >&2
  exit 2
fi
gen=$(cd "$(dirname "$gen")" && pwd)/$(basename "$gen")
find "$here" -name scenario.txt | LC_ALL=C sort | while read -r scenario; do
  dir=$(dirname "$scenario")
  (cd "$dir" && "$gen" scenario.txt -o capture.pcapng --keys capture.keys --expected expected.json)
  echo "${dir#"$here"/}"
done
