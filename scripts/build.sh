#!/usr/bin/env bash
# Release build of the web app into dist/ (or the directory given as the first argument),
# optimised with wasm-opt -Oz from npm binaryen, with relative asset URLs so the directory can be
# served from any sub-path. Prints the gzipped size of the .wasm.
#
#   bash scripts/build.sh            # -> dist/
#   bash scripts/build.sh /tmp/site  # -> /tmp/site/
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. scripts/tools.sh

dist="${1:-dist}"
locked=()
if [[ -n "${CI:-}" ]]; then locked=(--locked); fi

t0=$SECONDS
trunk build --release --dist "$dist" "${locked[@]}"

shopt -s nullglob
wasm=("$dist"/*.wasm)
shopt -u nullglob
if [[ ${#wasm[@]} -ne 1 ]]; then
  echo "build.sh: ERROR: expected exactly one .wasm in $dist, found ${#wasm[@]}" >&2
  exit 1
fi
raw=$(wc -c <"${wasm[0]}")
gz=$(gzip -9 -c "${wasm[0]}" | wc -c)
echo "build.sh: built $dist in $(( SECONDS - t0 ))s; $(basename "${wasm[0]}"): ${raw} bytes, ${gz} bytes gzipped (gzip -9)"
