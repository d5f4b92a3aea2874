#!/usr/bin/env bash
# Trunk's post_build hook (Trunk.toml): builds the app's wasm into the staging directory and
# writes the page's loader map into its index.html.
#
# A release build (`trunk build --release`, scripts/build.sh) makes one wasm per bundle of labs
# (`registry::BUNDLES` in the engine; the app's main.rs picks a bundle with DISTLAB_BUNDLE at
# compile time), each with its own labs' code only, and the map sends each lab id to its bundle:
# the page downloads the shell and the labs of one bundle, however many labs the catalog has.
# A debug build (`trunk serve`) makes one wasm with every lab, which rebuilds faster.
#
# Output: wasm/<bundle>-<hash>/distlab.js and distlab_bg.wasm (the hash of their contents, so a
# new build never meets a stale cached file). Prints each bundle's gzipped size; a release
# bundle over WASM_BUDGET bytes gzipped (default 400 KB) fails the build.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
stage="${TRUNK_STAGING_DIR:?run by trunk as a post_build hook (see Trunk.toml)}"
profile="${TRUNK_PROFILE:-debug}"
budget="${WASM_BUDGET:-409600}"
. scripts/tools.sh >/dev/null
locked=()
if [[ -n "${CI:-}" ]]; then locked=(--locked); fi
target_dir="$(cargo metadata --format-version 1 --no-deps "${locked[@]}" \
  | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"
wasm_dir="$target_dir/wasm32-unknown-unknown/$profile"
mkdir -p "$stage/wasm"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# emit NAME: wasm-bindgen (and in release wasm-opt -Oz) the app's wasm as bundle NAME; prints
# the bundle's directory name under wasm/.
emit() {
  local name="$1" out="$work/$1"
  wasm-bindgen --target web --no-typescript --out-dir "$out" --out-name distlab \
    "$wasm_dir/distlab-app.wasm"
  if [[ "$profile" == release ]]; then
    wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
      --enable-mutable-globals --enable-reference-types --enable-multivalue \
      "$out/distlab_bg.wasm" -o "$out/opt.wasm"
    mv "$out/opt.wasm" "$out/distlab_bg.wasm"
  fi
  local hash dir gz
  hash="$(cat "$out/distlab.js" "$out/distlab_bg.wasm" | sha256sum | cut -c1-10)"
  dir="$name-$hash"
  rm -rf "${stage:?}/wasm/$dir"
  mv "$out" "$stage/wasm/$dir"
  gz="$(gzip -9 -c "$stage/wasm/$dir/distlab_bg.wasm" | wc -c)"
  echo "bundles.sh: $name: $(wc -c <"$stage/wasm/$dir/distlab_bg.wasm") bytes, $gz bytes gzipped" >&2
  if [[ "$profile" == release && "$gz" -gt "$budget" ]]; then
    echo "bundles.sh: ERROR: bundle $name is $gz bytes gzipped, over the budget of $budget" >&2
    return 1
  fi
  echo "$dir"
}

if [[ "$profile" == release ]]; then
  # The bundles and their labs, from the registry (`distlab labs`): one wasm per bundle that
  # has a lab that runs.
  cargo build --quiet "${locked[@]}" -p distlab-runner --bin distlab
  "$target_dir/debug/distlab" labs >"$work/labs.json"
  mapfile -t names < <(python3 -c '
import json, sys
seen = []
for lab in json.load(open(sys.argv[1])):
    if lab["ready"] and lab["bundle"] not in seen:
        seen.append(lab["bundle"])
print("\n".join(seen))' "$work/labs.json")
  : >"$work/dirs"
  for name in "${names[@]}"; do
    DISTLAB_BUNDLE="$name" cargo build --quiet --release "${locked[@]}" \
      --target wasm32-unknown-unknown -p distlab-app --bin distlab-app
    echo "$name $(emit "$name")" >>"$work/dirs"
  done
else
  cargo build --quiet "${locked[@]}" --target wasm32-unknown-unknown -p distlab-app --bin distlab-app
  echo "all $(emit all)" >"$work/dirs"
  echo '[]' >"$work/labs.json"
fi

# The loader map goes into index.html between its /*bundles*/ and /*end*/ marks.
python3 - "$stage/index.html" "$work/labs.json" "$work/dirs" <<'PY'
import json, re, sys
html_path, labs_path, dirs_path = sys.argv[1:]
dirs = dict(line.split() for line in open(dirs_path) if line.strip())
labs = json.load(open(labs_path))
if "all" in dirs:
    table = {"default": dirs["all"], "labs": {}}
else:
    table = {
        "default": next(dirs[l["bundle"]] for l in labs if l.get("default")),
        "labs": {l["id"]: dirs[l["bundle"]] for l in labs if l["ready"]},
    }
html = open(html_path, encoding="utf-8").read()
new, n = re.subn(r"/\*bundles\*/.*?/\*end\*/",
                 lambda _: "/*bundles*/" + json.dumps(table, separators=(",", ":")) + "/*end*/",
                 html, flags=re.S)
if n != 1:
    sys.exit("bundles.sh: index.html has no /*bundles*/.../*end*/ loader map")
open(html_path, "w", encoding="utf-8").write(new)
PY
