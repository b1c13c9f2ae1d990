#!/usr/bin/env bash
# Builds go-ethereum's devp2p conformance tool (cached outside the repo) and prints its path.
#   DEVP2P_VERSION=v1.17.9 scripts/build-devp2p.sh      (default v1.17.10)
exec "$(dirname "$0")/build-go-tool.sh" devp2p "${DEVP2P_VERSION:-v1.17.10}"
