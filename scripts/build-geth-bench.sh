#!/usr/bin/env bash
# Builds bench/geth (go-ethereum's RLPx transport measured with our bench workload) into the
# cache outside the repository, keyed by a hash of its sources, and prints the binary's path.
# Idempotent; build output goes to stderr. Same cache and Go lookup as build-go-tool.sh.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SRC="$ROOT/bench/geth"
CACHE="${DEVP2P_TS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/devp2p-ts}"
KEY="$(cat "$SRC/go.mod" "$SRC/go.sum" "$SRC"/*.go | sha256sum | cut -c1-16)"
BIN="$CACHE/go/gethbench-$KEY/gethbench"
if [[ -x "$BIN" ]]; then echo "$BIN"; exit 0; fi
GO="${GO:-$(command -v go || true)}"
if [[ -z "$GO" && -x /usr/local/go/bin/go ]]; then GO=/usr/local/go/bin/go; fi
if [[ -z "$GO" || ! -x "$GO" ]]; then echo "build-geth-bench: Go is not installed" >&2; exit 1; fi
mkdir -p "$CACHE/go"
exec 9>"$CACHE/go/gethbench.lock"
if command -v flock >/dev/null; then flock 9; fi
if [[ -x "$BIN" ]]; then echo "$BIN"; exit 0; fi
TMP="$(mktemp -d "$CACHE/go/.build-gethbench.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT
echo "build-geth-bench: building bench/geth ($("$GO" version | cut -d' ' -f3))..." >&2
(cd "$SRC" && GOFLAGS="${GOFLAGS:-} -buildvcs=false" "$GO" build -o "$TMP/gethbench" . >&2)
mkdir -p "$(dirname "$BIN")"
mv -f "$TMP/gethbench" "$BIN"
echo "$BIN"
