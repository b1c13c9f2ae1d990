#!/usr/bin/env bash
# Runs go-ethereum's discv4 conformance suite (`devp2p discv4 test`) against our node.
#
#   scripts/discv4-conformance.sh                    # whole suite, TAP output
#   scripts/discv4-conformance.sh -run Ping          # extra args go to `devp2p discv4 test`
#
# Steps: build/locate devp2p (scripts/build-devp2p.sh), compile dist/ (tsc), start
# `node dist/src/cli/main.js discv4 listen --addr 127.0.0.1:<free port>` in the background,
# wait (bounded) for the `enode://` line it prints, run the suite with testers on 127.0.0.1
# and 127.0.0.2, always kill the listener (by PID) on exit, and exit with the suite's status.
# Everything stays on 127.0.0.0/8.
#
# Environment:
#   DEVP2P            devp2p binary to use (default: built/located by scripts/build-devp2p.sh)
#   DEVP2P_VERSION    go-ethereum tag for build-devp2p.sh
#   SKIP_TSC=1        do not run tsc first (use dist/ as it is)
#   WAIT_SECS         how long to wait for the listener's enode line (default 10)
#   SUITE_TIMEOUT     upper bound for the suite in seconds (default 300)
#   TAP=0             plain output instead of TAP
#   DISCV4_LISTENER   listener command, `--addr 127.0.0.1:PORT` is appended; default
#                     "node dist/src/cli/main.js discv4 listen". Check the harness itself
#                     against geth: DISCV4_LISTENER="$(scripts/build-devp2p.sh) discv4 listen"
#                     (that prints an enr: line, also accepted). Split on spaces.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
WAIT_SECS="${WAIT_SECS:-10}"
SUITE_TIMEOUT="${SUITE_TIMEOUT:-300}"
HOST1=127.0.0.1
HOST2=127.0.0.2

die() {
  echo "discv4-conformance: $*" >&2
  exit 1
}

command -v node >/dev/null || die "node is not installed"

# 1. The conformance tool.
DEVP2P="${DEVP2P:-$("$ROOT/scripts/build-devp2p.sh")}" || die "cannot build devp2p"
[[ -x "$DEVP2P" ]] || die "devp2p binary not found: $DEVP2P"
echo "discv4-conformance: using $DEVP2P ($("$DEVP2P" --version 2>/dev/null | head -1))" >&2

# 2. Our node, compiled.
if [[ "${SKIP_TSC:-0}" != 1 ]]; then
  npx --no-install tsc -p tsconfig.json >&2 || die "tsc failed"
fi

# 3. Loopback checks and a free UDP port. The second tester needs 127.0.0.2 (Linux routes all
#    of 127.0.0.0/8 to lo; macOS needs `sudo ifconfig lo0 alias 127.0.0.2 up`).
PORT="$(node -e '
  const dgram = require("node:dgram");
  const probe = (host) => new Promise((ok, fail) => {
    const s = dgram.createSocket("udp4");
    s.once("error", (e) => fail(new Error(`cannot bind UDP on ${host}: ${e.code}`)));
    s.bind(0, host, () => { const p = s.address().port; s.close(() => ok(p)); });
  });
  probe(process.argv[2]).then(() => probe(process.argv[1])).then((p) => console.log(p),
    (e) => { console.error(e.message); process.exit(1); });
' "$HOST1" "$HOST2")" || die "loopback check failed (need UDP on $HOST1 and $HOST2)"

# 4. Start the listener; clean it up however this script ends.
WORK="$(mktemp -d "${TMPDIR:-/tmp}/discv4-conformance.XXXXXX")"
LOG="$WORK/listener.log"
LISTENER_PID=""
cleanup() {
  local rc=$?
  if [[ -n "$LISTENER_PID" ]] && kill -0 "$LISTENER_PID" 2>/dev/null; then
    kill "$LISTENER_PID" 2>/dev/null || true
    for _ in 1 2 3 4 5 6 7 8 9 10; do
      kill -0 "$LISTENER_PID" 2>/dev/null || break
      sleep 0.2
    done
    kill -9 "$LISTENER_PID" 2>/dev/null || true
    wait "$LISTENER_PID" 2>/dev/null || true
  fi
  if [[ $rc -ne 0 && -s "$LOG" ]]; then
    echo "discv4-conformance: listener output (last 20 lines):" >&2
    tail -n 20 "$LOG" | sed 's/^/  | /' >&2
  fi
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

read -r -a LISTENER <<<"${DISCV4_LISTENER:-node dist/src/cli/main.js discv4 listen}"
echo "discv4-conformance: starting ${LISTENER[*]} --addr $HOST1:$PORT" >&2
"${LISTENER[@]}" --addr "$HOST1:$PORT" >"$LOG" 2>&1 </dev/null &
LISTENER_PID=$!

# 5. Wait (bounded) for the node's enode:// (or enr:) line.
REMOTE=""
deadline=$((SECONDS + WAIT_SECS))
while ((SECONDS < deadline)); do
  REMOTE="$(grep -m1 -oE '^(enode://[0-9a-fA-F]{128}@[^[:space:]]+|enr:[A-Za-z0-9_-]+)' "$LOG" || true)"
  [[ -n "$REMOTE" ]] && break
  if ! kill -0 "$LISTENER_PID" 2>/dev/null; then
    st=0
    wait "$LISTENER_PID" || st=$?
    LISTENER_PID=""
    die "listener exited (status $st) before printing its enode"
  fi
  sleep 0.1
done
[[ -n "$REMOTE" ]] || die "no enode:// line from the listener within ${WAIT_SECS} s"
echo "discv4-conformance: remote $REMOTE" >&2

# 6. The suite. It exits 1 if any test fails.
ARGS=(discv4 test -remote "$REMOTE" -listen1 "$HOST1" -listen2 "$HOST2")
[[ "${TAP:-1}" == 1 ]] && ARGS+=(-tap)
status=0
if command -v timeout >/dev/null; then
  timeout -k 5 "$SUITE_TIMEOUT" "$DEVP2P" "${ARGS[@]}" "$@" || status=$?
else
  "$DEVP2P" "${ARGS[@]}" "$@" || status=$?
fi
if [[ $status -eq 124 ]]; then
  echo "discv4-conformance: suite did not finish within ${SUITE_TIMEOUT} s" >&2
fi
if ! kill -0 "$LISTENER_PID" 2>/dev/null; then
  echo "discv4-conformance: the listener died during the suite" >&2
  [[ $status -eq 0 ]] && status=1
fi
echo "discv4-conformance: suite exit status $status" >&2
exit "$status"
