#!/usr/bin/env bash
# Idempotent installer for DistLab's build and test tools.
#
# Run it (`bash scripts/tools.sh`) or source it (`. scripts/tools.sh`) from the other scripts.
# It installs only what is missing or at the wrong version, so a second run takes a second or two,
# and it leaves PATH pointing at the right binaries:
#
#   rustup target wasm32-unknown-unknown, rustfmt, clippy
#   trunk 0.21.14                    cargo install --locked (newer trunk needs a newer rustc)
#   wasm-bindgen-cli == Cargo.lock   cargo install (provides wasm-bindgen-test-runner too)
#   wasm-pack (0.15.1 if missing)    cargo install
#   chromium + chromium-driver       apt-get (Debian)
#   wasm-opt (binaryen 132)          npm, into $REPO/.tools (Debian's binaryen is too old)
#
# Only crates.io, npm, PyPI and Debian are reachable from CI, so nothing here downloads from
# GitHub, and the other scripts make trunk and wasm-pack use these binaries instead of fetching
# their own.

# Strict mode only when run directly; when sourced, the caller's options are left alone.
if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  set -euo pipefail
fi

DISTLAB_REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DISTLAB_TRUNK_VERSION="0.21.14"
DISTLAB_WASM_PACK_VERSION="0.15.1"   # installed if wasm-pack is missing; any installed version is accepted
DISTLAB_BINARYEN_VERSION="132"
DISTLAB_TOOLS_DIR="$DISTLAB_REPO/.tools"

export PATH="$DISTLAB_TOOLS_DIR/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export DEBIAN_FRONTEND=noninteractive

_tools_say() { printf 'tools: %s\n' "$*"; }
_tools_die() { printf 'tools: ERROR: %s\n' "$*" >&2; return 1; }

# Run as root, or through sudo when we are not root.
_tools_root() {
  if [[ "$(id -u)" -eq 0 ]]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo -n "$@" || sudo "$@"
  else
    _tools_die "need root (or sudo) to run: $*"
  fi
}

# The wasm-bindgen version the workspace is locked to.
distlab_wasm_bindgen_version() {
  awk '
    /^\[\[package\]\]/ { inpkg = 0 }
    /^name = "wasm-bindgen"$/ { inpkg = 1; next }
    inpkg && /^version = / { gsub(/"/, "", $3); print $3; exit }
  ' "$DISTLAB_REPO/Cargo.lock"
}

# Wait while another `cargo install <crate>` is already running (for example one started by hand
# or by a parallel run of this script), instead of compiling the same tool twice at once.
_tools_wait_for_install() {
  local crate="$1" waited=0
  while pgrep -f "cargo install( .*)? ${crate}( |$)" >/dev/null 2>&1; do
    if (( waited % 60 == 0 )); then
      _tools_say "another 'cargo install ${crate}' is running; waiting for it (${waited}s so far)"
    fi
    sleep 5
    waited=$(( waited + 5 ))
  done
}

_tools_cargo_install() {
  local crate="$1"; shift
  _tools_say "cargo install ${crate} $* (this can take several minutes)"
  local t0=$SECONDS
  cargo install "$crate" "$@" || { _tools_die "cargo install ${crate} failed"; return 1; }
  _tools_say "installed ${crate} in $(( SECONDS - t0 ))s"
}

_tools_rust() {
  command -v cargo >/dev/null 2>&1 || { _tools_die "cargo not found; install Rust (rustup) first"; return 1; }
  if command -v rustup >/dev/null 2>&1; then
    if ! rustup target list --installed | grep -qx 'wasm32-unknown-unknown'; then
      _tools_say "rustup target add wasm32-unknown-unknown"
      rustup target add wasm32-unknown-unknown || return 1
    fi
    local installed
    installed="$(rustup component list --installed)"
    local c
    for c in rustfmt clippy; do
      if ! grep -q "^${c}" <<<"$installed"; then
        _tools_say "rustup component add ${c}"
        rustup component add "$c" || return 1
      fi
    done
  else
    _tools_say "rustup not found; assuming the wasm32 target, rustfmt and clippy are present"
  fi
}

_tools_trunk() {
  if [[ "$(trunk --version 2>/dev/null)" == "trunk ${DISTLAB_TRUNK_VERSION}" ]]; then
    return 0
  fi
  _tools_wait_for_install trunk
  if [[ "$(trunk --version 2>/dev/null)" != "trunk ${DISTLAB_TRUNK_VERSION}" ]]; then
    _tools_cargo_install trunk --version "$DISTLAB_TRUNK_VERSION" --locked
  fi
}

_tools_wasm_bindgen() {
  local want have
  want="$(distlab_wasm_bindgen_version)"
  [[ -n "$want" ]] || { _tools_die "could not read the wasm-bindgen version from Cargo.lock"; return 1; }
  have="$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')"
  if [[ "$have" == "$want" ]] && command -v wasm-bindgen-test-runner >/dev/null 2>&1; then
    return 0
  fi
  _tools_wait_for_install wasm-bindgen-cli
  have="$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')"
  if [[ "$have" != "$want" ]] || ! command -v wasm-bindgen-test-runner >/dev/null 2>&1; then
    _tools_say "wasm-bindgen-cli: have '${have:-none}', Cargo.lock wants ${want}"
    # Not --locked: the CLI's own lock file pins crates that no longer build on current rustc.
    _tools_cargo_install wasm-bindgen-cli --version "$want" --force
  fi
}

_tools_wasm_pack() {
  if command -v wasm-pack >/dev/null 2>&1; then
    return 0
  fi
  _tools_wait_for_install wasm-pack
  command -v wasm-pack >/dev/null 2>&1 || _tools_cargo_install wasm-pack --version "$DISTLAB_WASM_PACK_VERSION"
}

_tools_chromium() {
  if [[ -x /usr/bin/chromium && -x /usr/bin/chromedriver ]]; then
    return 0
  fi
  _tools_say "apt-get install chromium chromium-driver"
  _tools_root apt-get update -qq || return 1
  _tools_root apt-get install -y -qq --no-install-recommends chromium chromium-driver || return 1
}

_tools_wasm_opt() {
  local bin="$DISTLAB_TOOLS_DIR/node_modules/.bin/wasm-opt"
  if [[ -x "$bin" ]] && "$bin" --version 2>/dev/null | grep -q "version ${DISTLAB_BINARYEN_VERSION}\b"; then
    return 0
  fi
  if ! command -v npm >/dev/null 2>&1; then
    _tools_say "npm not found; apt-get install nodejs npm"
    _tools_root apt-get update -qq || return 1
    _tools_root apt-get install -y -qq --no-install-recommends nodejs npm || return 1
  fi
  _tools_say "npm install binaryen@${DISTLAB_BINARYEN_VERSION} into ${DISTLAB_TOOLS_DIR}"
  mkdir -p "$DISTLAB_TOOLS_DIR"
  npm install --prefix "$DISTLAB_TOOLS_DIR" --no-save --no-audit --no-fund --loglevel=error \
    "binaryen@${DISTLAB_BINARYEN_VERSION}" || return 1
  "$bin" --version | grep -q "version ${DISTLAB_BINARYEN_VERSION}\b" \
    || { _tools_die "wasm-opt from npm binaryen@${DISTLAB_BINARYEN_VERSION} does not report version ${DISTLAB_BINARYEN_VERSION}"; return 1; }
}

# Install everything that is missing, then check that PATH finds the right versions.
distlab_tools() {
  local t0=$SECONDS
  _tools_rust || return 1
  _tools_chromium || return 1
  _tools_wasm_opt || return 1
  _tools_wasm_bindgen || return 1
  _tools_wasm_pack || return 1
  _tools_trunk || return 1
  hash -r

  # wasm-opt must be the npm one: trunk takes the first wasm-opt on PATH.
  local wo
  wo="$(command -v wasm-opt)"
  [[ "$wo" == "$DISTLAB_TOOLS_DIR/node_modules/.bin/wasm-opt" ]] \
    || { _tools_die "wasm-opt on PATH is $wo, expected the one in $DISTLAB_TOOLS_DIR"; return 1; }

  _tools_say "ready in $(( SECONDS - t0 ))s: $(trunk --version), wasm-bindgen $(wasm-bindgen --version | awk '{print $2}'), $(wasm-pack --version), wasm-opt $("$wo" --version | awk '{print $3}'), $(/usr/bin/chromium --version 2>/dev/null | awk '{print $1, $2}')"
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  distlab_tools
else
  distlab_tools || return 1
fi
