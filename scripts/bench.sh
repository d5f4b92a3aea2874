#!/usr/bin/env bash
# Prints DistLab's performance figures (benchmarks print; they do not pass or fail on speed):
#   1. engine speed natively: Raft with 5 and 51 nodes for 60 simulated seconds;
#   2. the same in wasm, and the frame cost with 51 nodes and 500+ messages in flight, in
#      headless Chromium (tests/bench_web.rs, release build);
#   3. the release build: gzipped wasm size and time from navigation to the first frame, served
#      from a sub-path (scripts/measure_web.py).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. scripts/tools.sh

echo "== native engine (cargo build --profile bench-native; distlab bench --seconds 60)"
cargo build -q --profile bench-native -p distlab-runner
./target/bench-native/distlab bench --seconds 60

echo "== wasm engine and frame cost (wasm-pack test --release -- --test bench_web)"
export CHROMEDRIVER=/usr/bin/chromedriver
export WASM_BINDGEN_TEST_WEBDRIVER_JSON="$PWD/webdriver.json"
wasm-pack test --release --headless --chrome --chromedriver "$CHROMEDRIVER" --mode no-install . \
  --test bench_web -- --nocapture 2>&1 | grep -E "BENCH|test result|FAILED|panicked"

echo "== release build (scripts/build.sh; scripts/measure_web.py)"
out="$(mktemp -d)"
bash scripts/build.sh "$out" >/dev/null
python3 -c "import selenium" 2>/dev/null || python3 -m pip install -q selenium
python3 scripts/measure_web.py "$out" "$@"
rm -rf "$out"
