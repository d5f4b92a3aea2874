#!/usr/bin/env bash
# What each lab costs in the release wasm (a figure-printing benchmark, not a test):
# builds the app in release mode with readable (v0) symbol names into target/wasm-cost, runs
# wasm-bindgen and wasm-opt -Oz as the release build does but keeps the name section, and
# prints each lab module's code bytes and gzipped estimate (scripts/wasm_cost.py).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. scripts/tools.sh
command -v rustfilt >/dev/null || cargo install --quiet rustfilt
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target/wasm-cost}"
RUSTFLAGS="-C symbol-mangling-version=v0" \
  cargo build --quiet --release --target wasm32-unknown-unknown -p distlab-app
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
wasm-bindgen --target web --keep-debug --out-dir "$out" \
  "$CARGO_TARGET_DIR/wasm32-unknown-unknown/release/distlab-app.wasm"
wasm-opt -Oz -g --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
  --enable-mutable-globals --enable-reference-types --enable-multivalue \
  "$out/distlab-app_bg.wasm" -o "$out/opt.wasm"
python3 scripts/wasm_cost.py "$out/opt.wasm"
