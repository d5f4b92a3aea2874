#!/usr/bin/env bash
# The single test command for DistLab (CI runs it through .ci/run):
#
#   bash scripts/test.sh
#
# Installs any missing tools (scripts/tools.sh), then runs, stopping at the first failure:
#   1. cargo fmt --check
#   2. clippy, native (whole workspace) and wasm32 (the app), warnings are errors
#   3. the engine's native tests
#   4. the app's browser tests (tests/*.rs, wasm-bindgen-test) in headless Chromium via wasm-pack
#   5. a release build with trunk into a temporary directory, checked for relative asset URLs
#
# Environment:
#   CI=1                 also pass --locked to cargo (Cargo.lock must be up to date)
#   DISTLAB_SKIP=a,b     skip steps by name (fmt, clippy, clippy-wasm, engine, browser, release);
#                        for local iteration only, CI never sets it
#   WASM_BINDGEN_TEST_TIMEOUT  per-test-binary time-out in seconds for browser tests (default 120)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO="$(pwd)"

T_START=$SECONDS
LOGDIR="$(mktemp -d "${TMPDIR:-/tmp}/distlab-test.XXXXXX")"
trap 'rm -rf "$LOGDIR"' EXIT

locked=()
if [[ -n "${CI:-}" && "${CI}" != "false" && "${CI}" != "0" ]]; then
  locked=(--locked)
fi

SUMMARY=()

# run_step NAME COMMAND... : run, time and log a step; stop everything if it fails.
run_step() {
  local name="$1"; shift
  if [[ ",${DISTLAB_SKIP:-}," == *",${name},"* ]]; then
    echo "test.sh: -- skipping ${name} (DISTLAB_SKIP)"
    SUMMARY+=("${name}: skipped")
    return 0
  fi
  echo
  echo "test.sh: ==> ${name}: $*"
  local t0=$SECONDS rc=0
  "$@" 2>&1 | tee "$LOGDIR/${name}.log" || rc=$?
  local dt=$(( SECONDS - t0 ))
  if [[ $rc -ne 0 ]]; then
    echo
    echo "test.sh: FAILED at step '${name}' (exit ${rc}, after ${dt}s): $*" >&2
    case "$name" in
      fmt) echo "test.sh: run 'cargo fmt --all' to fix the formatting." >&2 ;;
      clippy*) echo "test.sh: fix the clippy warnings above (they are errors here)." >&2 ;;
      browser) echo "test.sh: browser tests failed; see the runner output above (webdriver.json, /usr/bin/chromedriver)." >&2 ;;
    esac
    exit "$rc"
  fi
  echo "test.sh: <== ${name} ok (${dt}s)"
  SUMMARY+=("${name}: ok, ${dt}s")
}

# ---------------------------------------------------------------------------------------------
echo "test.sh: installing missing tools"
t0=$SECONDS
. scripts/tools.sh || { echo "test.sh: FAILED installing the tools (see tools: ERROR above)" >&2; exit 1; }
SUMMARY+=("tools: ok, $(( SECONDS - t0 ))s")

run_step fmt cargo fmt --all -- --check

run_step clippy cargo clippy "${locked[@]}" --workspace --all-targets -- -D warnings

run_step clippy-wasm cargo clippy "${locked[@]}" -p distlab-app --target wasm32-unknown-unknown \
  --all-targets -- -D warnings

# The engine's randomized tests are only fast when the engine is optimised: Cargo.toml's
# [profile.dev.package.distlab-engine] (and its hot dependencies) give opt-level 2-3 in dev/test
# builds, measured raft tests 3s instead of 125s unoptimised. --no-fail-fast reports every failing
# test binary, not just the first.
run_step engine cargo test "${locked[@]}" -p distlab-engine -p distlab-runner --no-fail-fast

# The app's own unit tests (translation table, space-time index, chart layout) run natively.
run_step app-unit cargo test "${locked[@]}" -p distlab-app --lib

# Browser tests. --mode no-install and --chromedriver make wasm-pack use the wasm-bindgen-test-runner
# found on PATH (it must equal the Cargo.lock version, which tools.sh guarantees) and Debian's
# chromedriver, instead of downloading either. webdriver.json holds the Chrome flags.
export CHROMEDRIVER=/usr/bin/chromedriver
export WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT:-120}"
export WASM_BINDGEN_TEST_WEBDRIVER_JSON="$REPO/webdriver.json"
run_step browser wasm-pack test --headless --chrome --chromedriver "$CHROMEDRIVER" --mode no-install \
  "$REPO" "${locked[@]}"

# Release build into a temporary directory, checked for relative URLs.
check_release() {
  local out="$LOGDIR/dist"
  bash scripts/build.sh "$out" || return 1
  [[ -s "$out/index.html" ]] || { echo "release: no index.html in $out" >&2; return 1; }
  # Every asset URL trunk wrote must be relative: no href="/..", src="/..", or '/...' module paths.
  if grep -nE "(href|src)=\"/|from '/|import\('/|['\"]/[^'\"]*\.(js|wasm|css|svg)['\"]" "$out/index.html"; then
    echo "release: index.html has absolute asset URLs (see above); Trunk.toml needs public_url = \"./\"" >&2
    return 1
  fi
  grep -qE 'const map = /\*bundles\*/\{"default":"[a-z]+-[0-9a-f]+"' "$out/index.html" \
    || { echo "release: index.html has no loader map naming a wasm bundle" >&2; return 1; }
  echo "release: index.html uses relative asset URLs; files:"
  (cd "$out" && ls -l && ls -l wasm)
  load_from_subpath "$out"
}

# Serve the release build under a sub-path and load it in headless Chromium: proves the relative
# URLs resolve, the wasm-opt'd module instantiates, and the app puts something in <body>.
load_from_subpath() {
  local out="$1" py
  if ! py="$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null)"; then
    echo "release: python3 not found; skipping the load-from-sub-path check"
    return 0
  fi
  local root="$LOGDIR/site"
  mkdir -p "$root/some/sub"
  cp -r "$out" "$root/some/sub/distlab"
  "$py" -u -m http.server 0 --bind 127.0.0.1 --directory "$root" >"$LOGDIR/http.log" 2>&1 &
  local srv=$! port=""
  local _
  for _ in $(seq 1 50); do
    port="$(sed -nE 's/.* port ([0-9]+) .*/\1/p' "$LOGDIR/http.log" | head -n 1)"
    [[ -n "$port" ]] && break
    sleep 0.2
  done
  if [[ -z "$port" ]]; then
    kill "$srv" 2>/dev/null || true
    echo "release: could not start python3 -m http.server" >&2
    cat "$LOGDIR/http.log" >&2
    return 1
  fi
  # The default page, then one lab of every other bundle (its first in the loader map).
  local queries=("")
  mapfile -t -O 1 queries < <("$py" - "$out/index.html" <<'PY'
import json, re, sys
html = open(sys.argv[1], encoding="utf-8").read()
table = json.loads(re.search(r"/\*bundles\*/(.*?)/\*end\*/", html, re.S).group(1))
first = {}
for lab, bundle in table["labs"].items():
    if bundle != table["default"]:
        first.setdefault(bundle, lab)
for lab in first.values():
    print("?lab=" + lab)
PY
)
  local q
  for q in "${queries[@]}"; do
    load_page "$out" "$py" "$port" "$q" || { kill "$srv" 2>/dev/null || true; return 1; }
  done
  kill "$srv" 2>/dev/null || true
  wait "$srv" 2>/dev/null || true
}

# load_page OUT PY PORT QUERY: loads the page with QUERY in headless Chromium and checks that the
# app rendered and that no asset failed.
load_page() {
  local out="$1" py="$2" port="$3" q="$4"
  local url="http://127.0.0.1:${port}/some/sub/distlab/${q}"
  local rc=0
  timeout 90 /usr/bin/chromium --headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage \
    --disable-background-networking --disable-component-update --disable-sync --no-first-run \
    --user-data-dir="$LOGDIR/chrome-profile" --virtual-time-budget=10000 --dump-dom "$url" \
    >"$LOGDIR/dom.html" 2>"$LOGDIR/chrome.log" || rc=$?
  if [[ $rc -ne 0 ]]; then
    echo "release: headless Chromium failed (exit $rc) loading $url" >&2
    tail -n 20 "$LOGDIR/chrome.log" >&2
    return 1
  fi
  # Count the elements in <body> apart from <noscript> and <script>: zero means the app never
  # mounted (a 404 on the .js/.wasm, a failed instantiation, or a panic before the first render).
  local n
  n="$("$py" - "$LOGDIR/dom.html" <<'PY'
import re, sys
html = open(sys.argv[1], encoding="utf-8", errors="replace").read()
m = re.search(r"<body[^>]*>(.*)</body>", html, re.S)
body = m.group(1) if m else ""
body = re.sub(r"<noscript>.*?</noscript>", "", body, flags=re.S)
body = re.sub(r"<script\b.*?</script>", "", body, flags=re.S)
print(len(re.findall(r"<[A-Za-z]", body)))
PY
)"
  if [[ "${n:-0}" -eq 0 ]]; then
    echo "release: the app did not render anything into <body> when served from $url" >&2
    echo "release: requests seen by the server:" >&2
    grep -E '"GET ' "$LOGDIR/http.log" >&2 || true
    return 1
  fi
  if grep -q 'data-testid="load-error"' "$LOGDIR/dom.html"; then
    echo "release: the page's loader could not load the wasm bundle for $url:" >&2
    grep -o 'data-testid="load-error"[^<]*' "$LOGDIR/dom.html" >&2
    return 1
  fi
  # The lab asked for is the one shown (the picker marks it current).
  local lab="${q#?lab=}"
  if [[ -n "$lab" ]] && ! grep -qE "class=\"ready current\"><a href=\"\?lab=${lab}[&\"]" "$LOGDIR/dom.html"; then
    echo "release: $url did not open lab $lab" >&2
    return 1
  fi
  if grep -E '"GET /some/sub/distlab/[^"]*" (4|5)[0-9][0-9]' "$LOGDIR/http.log"; then
    echo "release: some assets failed to load from the sub-path (see above)" >&2
    return 1
  fi
  echo "release: served from a sub-path ($url), the app rendered ${n} elements into <body>"
}
run_step release check_release

# ---------------------------------------------------------------------------------------------
# Count test results from the runners' own "test result: ... N passed; M failed" lines (both
# libtest and wasm-bindgen-test-runner print them).
count() {
  local logs=()
  [[ -f "$LOGDIR/engine.log" ]] && logs+=("$LOGDIR/engine.log")
  [[ -f "$LOGDIR/app-unit.log" ]] && logs+=("$LOGDIR/app-unit.log")
  [[ -f "$LOGDIR/browser.log" ]] && logs+=("$LOGDIR/browser.log")
  cat /dev/null "${logs[@]}" \
    | sed -nE "s/.*test result: [A-Za-z]+\. ([0-9]+) passed; ([0-9]+) failed.*/\\$1/p" \
    | awk '{ s += $1 } END { print s + 0 }'
}
passed=$(count 1)
failed=$(count 2)

echo
echo "test.sh: summary"
for line in "${SUMMARY[@]}"; do echo "  $line"; done
echo "  total: $(( SECONDS - T_START ))s"
echo "test.sh: ${passed} passed, ${failed} failed"
