/**
 * `devp2p-ts test eth|discv4`: runs our conformance suites against a node and prints a table
 * (default), TAP (`--tap`, streamed) or one JSON object (`--json`). Exit code 1 if a check
 * failed, 2 for usage errors.
 */
import { parseArgs } from 'node:util';
import { isIP } from 'node:net';
import { parseEnode, type Enode } from '../enode/enode-url.js';
import { enrFromText } from '../enode/enr.js';
import { formatIp } from '../common/netutil.js';
import { ETH_VERSIONS, type EthVersion } from '../eth/protocol.js';
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
import { NETWORK_OPTIONS, resolveNetwork } from './common-options.js';
import { parseIntOption, parsePortOption, UsageError } from './output.js';

export const TEST_USAGE = `usage:
  devp2p-ts test eth --node ENODE [--chain DIR] [--network NAME | --genesis FILE --genesis-hash HASH]
                     [--eth 68,69,70] [--run REGEX] [--tap | --json] [--timeout MS] [--read-timeout MS]
      conformance checks of a node's RLPx handshake and eth protocol (Status, requests, limits)
  devp2p-ts test discv4 --node ENODE|ENR [--listen IP[:PORT]] [--listen2 IP] [--run REGEX] [--tap | --json]
                        [--timeout MS] [--wait MS]
      conformance checks of a node's discovery v4 (ping/pong, endpoint proof, findnode, ENR)`;

const OUTPUT_OPTIONS = {
  node: { type: 'string' },
  run: { type: 'string' },
  tap: { type: 'boolean', default: false },
  json: { type: 'boolean', default: false },
  timeout: { type: 'string' },
} as const;

type Format = 'table' | 'tap' | 'json';

/** Runs `test eth|discv4 ...`; returns the exit code. */
export async function testCommand(args: string[]): Promise<number> {
  const [suite, ...rest] = args;
  if (suite === 'eth') return testEth(rest);
  if (suite === 'discv4') return testDiscv4(rest);
  throw new UsageError(suite ? `unknown test suite "${suite}"\n${TEST_USAGE}` : TEST_USAGE);
}

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
  if (!v) throw new UsageError(`--node is required\n${TEST_USAGE}`);
  return v;
}

function parseNodeEnode(v: string): Enode {
  try {
    return parseEnode(v);
  } catch (err) {
    throw new UsageError(`--node: ${(err as Error).message}`);
  }
}

async function testEth(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { ...OUTPUT_OPTIONS, ...NETWORK_OPTIONS, chain: { type: 'string' }, eth: { type: 'string' }, 'read-timeout': { type: 'string' } },
    strict: true,
  });
  const nodeText = requireNode(values.node);
  const node = parseNodeEnode(nodeText);
  const format = formatOf(values);
  const filter = parseRegex(values.run);
  const versions = (values.eth ?? ETH_VERSIONS.join(',')).split(',').map((v) => Number(v.trim()));
  if (versions.some((v) => !(ETH_VERSIONS as readonly number[]).includes(v))) throw new UsageError(`--eth takes versions from ${ETH_VERSIONS.join(',')}`);
  if (values.chain && (values.network || values.genesis)) throw new UsageError('--chain gives the network itself; drop --network/--genesis');
  const target: EthTarget = { node, readTimeoutMs: parseIntOption('read-timeout', values['read-timeout'], DEFAULT_READ_TIMEOUT_MS) };
  if (values.chain) {
    target.chain = await loadTestChain(values.chain);
    target.network = target.chain.network;
  } else if (values.network || values.genesis) {
    target.network = await resolveNetwork(values);
  }
  return run(ethChecks(versions as EthVersion[]), target, 'eth', nodeText, format, filter, parseIntOption('timeout', values.timeout, DEFAULT_CHECK_TIMEOUT_MS));
}

/** The discv4 target of `--node`: an enode URL or an ENR (text form). */
function discv4Node(text: string): Discv4Target['node'] {
  if (!text.startsWith('enr:')) {
    const e = parseNodeEnode(text);
    return { publicKey: e.publicKey, ip: e.ip, udpPort: e.udpPort };
  }
  let enr;
  try {
    enr = enrFromText(text);
  } catch (err) {
    throw new UsageError(`--node: ${(err as Error).message}`);
  }
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

async function testDiscv4(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { ...OUTPUT_OPTIONS, listen: { type: 'string' }, listen2: { type: 'string' }, wait: { type: 'string' } },
    strict: true,
  });
  const nodeText = requireNode(values.node);
  const target: Discv4Target = { node: discv4Node(nodeText), waitMs: parseIntOption('wait', values.wait, DEFAULT_WAIT_MS) };
  if (values.listen) {
    const l = parseListen(values.listen);
    target.listen = l.ip;
    target.listenPort = l.port;
  }
  if (values.listen2) {
    if (!isIP(values.listen2)) throw new UsageError(`--listen2 must be an IP, got "${values.listen2}"`);
    target.listen2 = values.listen2;
  }
  return run(discv4Checks(), target, 'discv4', nodeText, formatOf(values), parseRegex(values.run), parseIntOption('timeout', values.timeout, DEFAULT_CHECK_TIMEOUT_MS));
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
