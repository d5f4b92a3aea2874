#!/usr/bin/env bash
# Release build of the web app into dist/ (or the directory given as the first argument),
# optimised with wasm-opt -Oz from npm binaryen, with relative asset URLs so the directory can be
# served from any sub-path. Prints the gzipped size of each wasm bundle (scripts/bundles.sh).
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
wasm=("$dist"/wasm/*/distlab_bg.wasm)
shopt -u nullglob
if [[ ${#wasm[@]} -eq 0 ]]; then
  echo "build.sh: ERROR: no wasm bundle in $dist/wasm (scripts/bundles.sh, trunk's hook, makes them)" >&2
  exit 1
fi
echo "build.sh: built $dist in $(( SECONDS - t0 ))s; ${#wasm[@]} wasm bundles (one per group of labs; a page loads one):"
for w in "${wasm[@]}"; do
  printf 'build.sh:   %-32s %9d bytes, %7d bytes gzipped (gzip -9)\n' \
    "$(basename "$(dirname "$w")")" "$(wc -c <"$w")" "$(gzip -9 -c "$w" | wc -c)"
done
