#!/usr/bin/env bash
# Builds go-ethereum's `devp2p` tool (conformance suites for discv4, eth, snap) into a cache
# outside the repository, keyed by version, and prints the binary's path on stdout.
# Idempotent: if the binary is already there, it only prints the path.
#
#   scripts/build-devp2p.sh                 # default version
#   DEVP2P_VERSION=v1.17.9 scripts/build-devp2p.sh
#   DEVP2P=$(scripts/build-devp2p.sh) && "$DEVP2P" --version
#
# Environment:
#   DEVP2P_VERSION   go-ethereum tag (default v1.17.10)
#   DEVP2P_TS_CACHE  cache root (default ${XDG_CACHE_HOME:-$HOME/.cache}/devp2p-ts)
#   GO               the go command to use (default: go on PATH, else /usr/local/go/bin/go)
#
# A cold build downloads ~100 modules and compiles go-ethereum: minutes, not seconds.
# Build output goes to stderr; stdout carries only the path.
set -euo pipefail

VERSION="${DEVP2P_VERSION:-v1.17.10}"
CACHE="${DEVP2P_TS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/devp2p-ts}"
BIN_DIR="$CACHE/go/devp2p-$VERSION/bin"
BIN="$BIN_DIR/devp2p"

if [[ -x "$BIN" ]]; then
  echo "$BIN"
  exit 0
fi

GO="${GO:-$(command -v go || true)}"
if [[ -z "$GO" && -x /usr/local/go/bin/go ]]; then GO=/usr/local/go/bin/go; fi
if [[ -z "$GO" || ! -x "$GO" ]]; then
  echo "build-devp2p: Go is not installed (needed to build devp2p $VERSION; see https://go.dev/dl/)" >&2
  exit 1
fi

mkdir -p "$CACHE/go"
# One build at a time per version: a second caller waits, then finds the binary.
exec 9>"$CACHE/go/devp2p-$VERSION.lock"
if command -v flock >/dev/null; then flock 9; fi
if [[ -x "$BIN" ]]; then
  echo "$BIN"
  exit 0
fi

# Build into a scratch GOBIN and move the binary into place, so an interrupted build never
# leaves a partial binary where the idempotence check would accept it.
TMP_BIN="$(mktemp -d "$CACHE/go/.build-$VERSION.XXXXXX")"
trap 'rm -rf "$TMP_BIN"' EXIT
echo "build-devp2p: building github.com/ethereum/go-ethereum/cmd/devp2p@$VERSION ($("$GO" version | cut -d' ' -f3))..." >&2
start=$SECONDS
# Run outside any module so the repository's environment cannot interfere.
if ! (cd "$TMP_BIN" && GOBIN="$TMP_BIN" GOFLAGS="${GOFLAGS:-} -buildvcs=false" "$GO" install "github.com/ethereum/go-ethereum/cmd/devp2p@$VERSION" >&2); then
  echo "build-devp2p: go install github.com/ethereum/go-ethereum/cmd/devp2p@$VERSION failed" >&2
  exit 1
fi
mkdir -p "$BIN_DIR"
mv -f "$TMP_BIN/devp2p" "$BIN"
echo "build-devp2p: built in $((SECONDS - start)) s: $BIN" >&2
echo "$BIN"
