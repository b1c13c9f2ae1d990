/**
 * `devp2p-ts test eth|discv4`: runs our conformance suites against a node and prints a table
 * (default), TAP (`--tap`, streamed) or one JSON object (`--json`). Exit code 1 if a check
 * failed, 2 for usage errors.
 */
import { isIP } from 'node:net';
import { formatIp } from '../common/netutil.js';
import { ETH_VERSIONS } from '../eth/protocol.js';
import type { CheckResult } from '../conformance/check.js';
import { DEFAULT_CHECK_TIMEOUT_MS, runChecks, summarize } from '../conformance/runner.js';
import { formatJson } from '../conformance/report/json.js';
import { tableLine, tableSummary } from '../conformance/report/table.js';
import { tapFooter, tapHeader, tapResult } from '../conformance/report/tap.js';
import { ethChecks } from '../conformance/eth/suite.js';
import { DEFAULT_READ_TIMEOUT_MS, type EthTarget } from '../conformance/eth/target.js';
import { loadTestChain } from '../conformance/eth/test-chain.js';
import { discv4Checks } from '../conformance/discv4/suite.js';
import { DEFAULT_WAIT_MS, type Discv4Target } from '../conformance/discv4/target.js';
import type { Check } from '../conformance/check.js';
import { defineCommand, defineFlags, parseCommand } from './command.js';
import type { Group } from './command-tree.js';
import { EXAMPLE_ENODE, NETWORK_FLAGS, parseEnodeArg, parseEnrArg, parseEthVersions, resolveNetwork } from './common-options.js';
import { formatDuration, MIN_TIMEOUT_MS, parseDurationFlag } from './duration.js';
import { parsePortOption, UsageError } from './output.js';

/** The flags both suites take. */
const SUITE_FLAGS = defineFlags({
  run: { type: 'string', value: 'REGEX', help: 'run only the checks whose name matches' },
  tap: { type: 'boolean', help: 'print TAP, streamed' },
  json: { type: 'boolean', help: 'print one JSON report (errors too)' },
  timeout: { type: 'string', value: 'DURATION', help: 'bound on each check: 10s, 1m (a bare number is milliseconds)', default: formatDuration(DEFAULT_CHECK_TIMEOUT_MS) },
});

const TEST_ETH = defineCommand({
  name: 'test eth',
  summary: "conformance checks of a node's RLPx handshake and eth protocol (Status, requests, limits)",
  description: 'Exit code 1 when a check fails.',
  flags: {
    node: { type: 'string', value: 'ENODE', help: 'the node to test; required' },
    chain: { type: 'string', value: 'DIR', help: "the node's test chain (geth's ethtest layout: chain.rlp, genesis.json...); gives the network" },
    ...NETWORK_FLAGS,
    eth: { type: 'string', value: 'LIST', help: 'eth versions to test, comma-separated', default: ETH_VERSIONS.join(',') },
    ...SUITE_FLAGS,
    'read-timeout': { type: 'string', value: 'DURATION', help: 'how long to wait for each reply: 5s (a bare number is milliseconds)', default: formatDuration(DEFAULT_READ_TIMEOUT_MS) },
  },
  examples: [`devp2p-ts test eth --node ${EXAMPLE_ENODE} --chain ./ethtest --tap`],
});

const TEST_DISCV4 = defineCommand({
  name: 'test discv4',
  summary: "conformance checks of a node's discovery v4 (ping/pong, endpoint proof, findnode, ENR)",
  description: 'Exit code 1 when a check fails.',
  flags: {
    node: { type: 'string', value: 'ENODE|ENR', help: 'the node to test; required' },
    listen: { type: 'string', value: 'IP[:PORT]', help: 'our UDP address (port 0: any free port)', defaultText: '127.0.0.1 for a loopback node, else 0.0.0.0' },
    listen2: { type: 'string', value: 'IP', help: 'a second local IP, for the checks that need two', defaultText: '127.0.0.2 for a loopback node, else those checks are skipped' },
    ...SUITE_FLAGS,
    wait: { type: 'string', value: 'DURATION', help: 'how long to wait for packets that must not come: 500ms (a bare number is milliseconds)', default: formatDuration(DEFAULT_WAIT_MS) },
  },
  examples: [`devp2p-ts test discv4 --node ${EXAMPLE_ENODE} --listen 127.0.0.1`],
});

type Format = 'table' | 'tap' | 'json';

function parseRegex(v: string | undefined): RegExp | undefined {
  if (v === undefined) return undefined;
  try {
    return new RegExp(v);
  } catch (err) {
    throw new UsageError(`--run: ${(err as Error).message}`);
  }
}

function formatOf(v: { tap?: boolean | undefined; json?: boolean | undefined }): Format {
  if (v.tap && v.json) throw new UsageError('--tap and --json exclude each other');
  return v.tap ? 'tap' : v.json ? 'json' : 'table';
}

function requireNode(v: string | undefined): string {
  if (!v) throw new UsageError('--node is required');
  return v;
}

export async function testEth(args: string[]): Promise<number> {
  const { values } = parseCommand(TEST_ETH, args);
  const nodeText = requireNode(values.node);
  const node = parseEnodeArg(nodeText, 'node');
  const format = formatOf(values);
  const filter = parseRegex(values.run);
  const versions = parseEthVersions(values.eth);
  const timeoutMs = parseDurationFlag('timeout', values.timeout, MIN_TIMEOUT_MS);
  if (values.chain && (values.network || values.genesis)) throw new UsageError('--chain gives the network itself; drop --network/--genesis');
  const target: EthTarget = { node, readTimeoutMs: parseDurationFlag('read-timeout', values['read-timeout'], MIN_TIMEOUT_MS) };
  if (values.chain) {
    target.chain = await loadTestChain(values.chain);
    target.network = target.chain.network;
  } else if (values.network || values.genesis) {
    target.network = await resolveNetwork(values);
  }
  return run(ethChecks(versions), target, 'eth', nodeText, format, filter, timeoutMs);
}

/** The discv4 target of `--node`: an enode URL or an ENR (text form). */
function discv4Node(text: string): Discv4Target['node'] {
  if (!text.startsWith('enr:')) {
    const e = parseEnodeArg(text, 'node');
    return { publicKey: e.publicKey, ip: e.ip, udpPort: e.udpPort };
  }
  const enr = parseEnrArg(text, 'node');
  const ip = enr.ip();
  const udp = enr.udp();
  if (!ip || udp === undefined) throw new UsageError('--node: the ENR has no IPv4 address and UDP port');
  return { publicKey: enr.publicKey, ip: formatIp(ip), udpPort: udp };
}

/** `IP` or `IP:PORT`. */
function parseListen(v: string): { ip: string; port: number } {
  const m = /^([^:]+|\[[^\]]+\])(?::(\d+))?$/.exec(v);
  const ip = m?.[1]?.replace(/^\[|\]$/g, '');
  if (!m || !ip || !isIP(ip)) throw new UsageError(`--listen must be IP or IP:PORT, got "${v}"`);
  return { ip, port: m[2] === undefined ? 0 : parsePortOption('listen', m[2]) };
}

export async function testDiscv4(args: string[]): Promise<number> {
  const { values } = parseCommand(TEST_DISCV4, args);
  const nodeText = requireNode(values.node);
  const target: Discv4Target = { node: discv4Node(nodeText), waitMs: parseDurationFlag('wait', values.wait) };
  const format = formatOf(values);
  const filter = parseRegex(values.run);
  const timeoutMs = parseDurationFlag('timeout', values.timeout, MIN_TIMEOUT_MS);
  if (values.listen) {
    const l = parseListen(values.listen);
    target.listen = l.ip;
    target.listenPort = l.port;
  }
  if (values.listen2) {
    if (!isIP(values.listen2)) throw new UsageError(`--listen2 must be an IP, got "${values.listen2}"`);
    target.listen2 = values.listen2;
  }
  return run(discv4Checks(), target, 'discv4', nodeText, format, filter, timeoutMs);
}

/** Runs the suite with streamed output; Ctrl-C cancels the rest. Returns the exit code. */
async function run<E>(checks: Check<E>[], target: E, suite: string, nodeText: string, format: Format, filter: RegExp | undefined, timeoutMs: number): Promise<number> {
  const out = (s: string) => process.stdout.write(s);
  const cancel = new AbortController();
  const onSignal = () => cancel.abort(new Error('interrupted'));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let results: CheckResult[];
  try {
    results = await runChecks(checks, target, {
      ...(filter ? { filter } : {}),
      timeoutMs,
      signal: cancel.signal,
      onStart: (total) => {
        if (format === 'tap') out(tapHeader(total));
        if (total === 0) process.stderr.write('warning: --run matches no check\n');
      },
      onResult: (r) => {
        if (format === 'tap') out(tapResult(r));
        else if (format === 'table') out(tableLine(r));
      },
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  if (format === 'tap') out(tapFooter(results));
  else if (format === 'table') out(tableSummary(results));
  else out(formatJson(suite, nodeText, results));
  return summarize(results).fail > 0 ? 1 : 0;
}

export const TEST_GROUP: Group = {
  name: 'test',
  summary: 'Conformance checks against a node (docs/conformance.md).',
  commands: {
    eth: { spec: TEST_ETH, run: testEth },
    discv4: { spec: TEST_DISCV4, run: testDiscv4 },
  },
};
