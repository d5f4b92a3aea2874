#!/usr/bin/env bash
# Development server: installs any missing tools, then serves the app with live reload at
# http://localhost:8080 (debug build; no wasm-opt).
#
#   bash scripts/serve.sh                 # 127.0.0.1:8080
#   PORT=9000 bash scripts/serve.sh
#   ADDRESS=0.0.0.0 bash scripts/serve.sh # reachable from other machines
#   bash scripts/serve.sh --release       # extra arguments go to `trunk serve`
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. scripts/tools.sh

port="${PORT:-8080}"
address="${ADDRESS:-127.0.0.1}"
echo "serve.sh: http://localhost:${port}/ (Ctrl-C to stop)"
exec trunk serve --release=false --address "$address" --port "$port" "$@"
