#!/usr/bin/env bash
# Builds a go-ethereum command (geth, or devp2p with the conformance suites) into a cache outside
# the repository, keyed by command and version, and prints the binary's path on stdout.
# Idempotent: if the binary is already there, it only prints the path.
#
#   scripts/build-go-tool.sh geth v1.17.0
#   scripts/build-go-tool.sh devp2p v1.17.10
#
# Environment:
#   DEVP2P_TS_CACHE  cache root (default ${XDG_CACHE_HOME:-$HOME/.cache}/devp2p-ts)
#   GO               the go command to use (default: go on PATH, else /usr/local/go/bin/go)
#
# A cold build downloads ~100 modules and compiles go-ethereum: minutes, not seconds (geth
# v1.17.0: about 5 min on 2 busy cores). Build output goes to stderr; stdout carries only the path.
set -euo pipefail

TOOL="${1:?usage: build-go-tool.sh geth|devp2p VERSION}"
VERSION="${2:?usage: build-go-tool.sh geth|devp2p VERSION}"
case "$TOOL" in geth|devp2p) ;; *) echo "build-go-tool: unknown tool $TOOL (geth or devp2p)" >&2; exit 2 ;; esac
CACHE="${DEVP2P_TS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/devp2p-ts}"
BIN_DIR="$CACHE/go/$TOOL-$VERSION/bin"
BIN="$BIN_DIR/$TOOL"

if [[ -x "$BIN" ]]; then
  echo "$BIN"
  exit 0
fi

GO="${GO:-$(command -v go || true)}"
if [[ -z "$GO" && -x /usr/local/go/bin/go ]]; then GO=/usr/local/go/bin/go; fi
if [[ -z "$GO" || ! -x "$GO" ]]; then
  echo "build-go-tool: Go is not installed (needed to build $TOOL $VERSION)" >&2
  exit 1
fi

mkdir -p "$CACHE/go"
# One build at a time per tool and version: a second caller waits, then finds the binary.
exec 9>"$CACHE/go/$TOOL-$VERSION.lock"
if command -v flock >/dev/null; then flock 9; fi
if [[ -x "$BIN" ]]; then
  echo "$BIN"
  exit 0
fi

# Build into a scratch GOBIN and move the binary into place, so an interrupted build never
# leaves a partial binary where the idempotence check would accept it.
TMP_BIN="$(mktemp -d "$CACHE/go/.build-$TOOL-$VERSION.XXXXXX")"
trap 'rm -rf "$TMP_BIN"' EXIT
echo "build-go-tool: building github.com/ethereum/go-ethereum/cmd/$TOOL@$VERSION ($("$GO" version | cut -d' ' -f3))..." >&2
start=$SECONDS
# Run outside any module so the repository's environment cannot interfere.
if ! (cd "$TMP_BIN" && GOBIN="$TMP_BIN" GOFLAGS="${GOFLAGS:-} -buildvcs=false" "$GO" install "github.com/ethereum/go-ethereum/cmd/$TOOL@$VERSION" >&2); then
  echo "build-go-tool: go install github.com/ethereum/go-ethereum/cmd/$TOOL@$VERSION failed" >&2
  exit 1
fi
mkdir -p "$BIN_DIR"
mv -f "$TMP_BIN/$TOOL" "$BIN"
echo "build-go-tool: built in $((SECONDS - start)) s: $BIN" >&2
echo "$BIN"
