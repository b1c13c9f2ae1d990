#!/usr/bin/env bash
# Builds bench/geth (go-ethereum's RLPx transport measured with our bench workload), or another
# Go program under bench/ named by its directory (`build-geth-bench.sh geth-dnsdisc`), into the
# cache outside the repository, keyed by a hash of its sources, and prints the binary's path.
# Idempotent; build output goes to stderr. Same cache and Go lookup as build-go-tool.sh.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DIR="${1:-geth}"
SRC="$ROOT/bench/$DIR"
NAME="gethbench${DIR#geth}"
CACHE="${DEVP2P_TS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/devp2p-ts}"
KEY="$(cat "$SRC/go.mod" "$SRC/go.sum" "$SRC"/*.go | sha256sum | cut -c1-16)"
BIN="$CACHE/go/$NAME-$KEY/$NAME"
if [[ -x "$BIN" ]]; then echo "$BIN"; exit 0; fi
GO="${GO:-$(command -v go || true)}"
if [[ -z "$GO" && -x /usr/local/go/bin/go ]]; then GO=/usr/local/go/bin/go; fi
if [[ -z "$GO" || ! -x "$GO" ]]; then echo "build-geth-bench: Go is not installed" >&2; exit 1; fi
mkdir -p "$CACHE/go"
exec 9>"$CACHE/go/$NAME.lock"
if command -v flock >/dev/null; then flock 9; fi
if [[ -x "$BIN" ]]; then echo "$BIN"; exit 0; fi
TMP="$(mktemp -d "$CACHE/go/.build-$NAME.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT
echo "build-geth-bench: building bench/$DIR ($("$GO" version | cut -d' ' -f3))..." >&2
(cd "$SRC" && GOFLAGS="${GOFLAGS:-} -buildvcs=false" "$GO" build -o "$TMP/$NAME" . >&2)
mkdir -p "$(dirname "$BIN")"
mv -f "$TMP/$NAME" "$BIN"
echo "$BIN"
