/**
 * `devp2p-ts eth status <enode>`: dial a node, negotiate eth, exchange Status with our network's
 * Status and print the node's, with whether it matches our network (exit code 1 if not).
 *
 * Unlike `ethHandshake`, which rejects on a mismatch and keeps the remote Status to itself, this
 * runs the exchange from the eth building blocks (makeStatus, decodeStatus, checkStatus) so the
 * remote Status is printed in every case: a wrong network is exactly when one wants to see it.
 */
import { bytesToHex } from '../common/bytes.js';
import type { Enode } from '../enode/enode-url.js';
import { generatePrivateKey } from '../crypto/secp256k1.js';
import { ethCapabilities, negotiatedEthVersion } from '../eth/capabilities.js';
import { networkForkFilter, type EthNetwork } from '../chain/chain-config.js';
import { EthHandshakeError } from '../eth/errors.js';
import type { ForkIdValidation } from '../chain/forkid.js';
import { checkStatus, decodeStatus, encodeStatus, isStatus68, makeStatus, type AnyStatus, type LocalChainStatus, type StatusMismatch } from '../eth/handshake.js';
import { ETH_PROTOCOL_NAME, ETH_VERSIONS, EthMessageCode, type EthVersion } from '../eth/protocol.js';
import { dial } from '../rlpx/connect.js';
import { DisconnectReason, disconnectReasonName } from '../rlpx/disconnect-reason.js';
import { TimeoutError } from '../rlpx/errors.js';
import type { Capability } from '../rlpx/hello.js';
import type { CloseInfo, Session, SessionMessage } from '../rlpx/session.js';
import { defineCommand, parseCommand } from './command.js';
import type { Group } from './command-tree.js';
import { EXAMPLE_ENODE, NETWORK_FLAGS, parseEnodeArg, parseEthVersions, resolveNetwork } from './common-options.js';
import { formatDuration, MIN_TIMEOUT_MS, parseDurationFlag } from './duration.js';
import { printJson, ReportedFailure } from './output.js';

/** Default bound on the whole command (dial, handshake, Hello, Status). */
export const ETH_STATUS_TIMEOUT_MS = 10_000;

const STATUS = defineCommand({
  name: 'eth status',
  args: '<enode>',
  argsName: 'an enode URL',
  positionals: [1, 1],
  summary: "exchange eth Status with a node (as a fresh node of our network) and print the node's",
  description: 'Exit code 1 when its Status does not fit our network (the reason is printed).',
  flags: {
    ...NETWORK_FLAGS,
    eth: { type: 'string', value: 'LIST', help: 'eth versions to offer, comma-separated', default: ETH_VERSIONS.join(',') },
    timeout: { type: 'string', value: 'DURATION', help: 'bound on dial, handshake and Status: 500ms, 10s, 2m (a bare number is milliseconds)', default: formatDuration(ETH_STATUS_TIMEOUT_MS) },
    json: { type: 'boolean', help: 'print one JSON object (errors too)' },
  },
  examples: [`devp2p-ts eth status ${EXAMPLE_ENODE} --network sepolia`],
});

/** What `eth status` learned about a node. */
export interface EthStatusReport {
  clientId: string;
  /** The negotiated eth version: the highest both sides offer. */
  version: EthVersion;
  capabilities: readonly Capability[];
  status: AnyStatus;
  /** The EIP-2124 verdict on the node's fork ID for our network at our (genesis) head. */
  forkIdValidation: ForkIdValidation;
  /** Why the node's Status does not fit our network; undefined if it does. */
  mismatch?: StatusMismatch;
}

/** Raised (after the Status was printed) when the node's Status does not fit our network: exit code 1. */
export class StatusMismatchError extends ReportedFailure {
  constructor(readonly mismatch: StatusMismatch) {
    super(`Status mismatch: ${mismatch.reason}: ${mismatch.message}`);
    this.name = 'StatusMismatchError';
  }
}

export async function ethStatus(args: string[]): Promise<void> {
  const { values, positionals } = parseCommand(STATUS, args);
  const target: Enode = parseEnodeArg(positionals[0]!);
  const versions = parseEthVersions(values.eth);
  const timeoutMs = parseDurationFlag('timeout', values.timeout, MIN_TIMEOUT_MS);
  const network = await resolveNetwork(values);
  const report = await queryEthStatus(target, network, { versions, timeoutMs });
  if (values.json) printJson(reportJson(report, network));
  else process.stdout.write(reportText(report, network));
  if (report.mismatch) throw new StatusMismatchError(report.mismatch);
}

export const ETH_GROUP: Group = {
  name: 'eth',
  summary: 'eth wire protocol commands.',
  commands: { status: { spec: STATUS, run: ethStatus } },
};

/**
 * Dials `target`, negotiates eth (the highest of `versions` it also speaks), sends the Status
 * of a fresh node of `network` (head = genesis, as a node about to sync) and returns the node's
 * Status with our verdict on it. The session is always ended with Disconnect(ClientQuitting).
 * Everything is bounded by `timeoutMs`; failures reject with DialError, TimeoutError,
 * DisconnectError (from the handshake) or EthHandshakeError.
 */
export async function queryEthStatus(target: Enode, network: EthNetwork, opts: { versions: readonly EthVersion[]; timeoutMs: number }): Promise<EthStatusReport> {
  const { timeoutMs } = opts;
  let phase: 'rlpx' | 'status' = 'rlpx';
  const deadline = new AbortController();
  const timer = setTimeout(() => {
    deadline.abort(phase === 'rlpx' ? new TimeoutError('handshake', timeoutMs) : new EthHandshakeError('timeout', `no Status within ${timeoutMs} ms`));
  }, timeoutMs);
  let session: Session | undefined;
  try {
    session = await dial(
      { publicKey: target.publicKey, host: target.ip, port: target.tcpPort },
      // Without a shared eth version the node would be refused as useless before we could say why.
      { privateKey: generatePrivateKey(), capabilities: ethCapabilities(opts.versions), requireSharedCapability: false },
      { dialTimeoutMs: timeoutMs, signal: deadline.signal },
    );
    phase = 'status';
    const hello = session.remoteHello!;
    const version = negotiatedEthVersion(session);
    if (version === undefined) {
      const offered = hello.capabilities.filter((c) => c.name === ETH_PROTOCOL_NAME).map((c) => c.version);
      throw new EthHandshakeError('no-eth', `no shared eth version: we offer ${opts.versions.join(',')}, the node offers ${offered.join(',') || 'none'}`);
    }
    // A fresh node of our network: what `sync-headers` announces before it has synced.
    const local: LocalChainStatus = { network, head: { number: 0n, hash: network.genesisHash, time: network.genesisTime } };
    const status = await exchangeStatus(session, version, local, deadline.signal);
    const filter = networkForkFilter(network);
    const mismatch = checkStatus(version, status, local, filter);
    const report: EthStatusReport = {
      clientId: hello.clientId,
      version,
      capabilities: hello.capabilities,
      status,
      forkIdValidation: filter(status.forkId, local.head.number, local.head.time),
    };
    if (mismatch) report.mismatch = mismatch;
    return report;
  } catch (err) {
    // Whatever failed once the deadline passed failed because of it: report the timeout.
    throw deadline.signal.aborted && deadline.signal.reason instanceof Error ? deadline.signal.reason : err;
  } finally {
    clearTimeout(timer);
    // Bounded: the session lingers at most DISCONNECT_LINGER_MS for its Disconnect to flush.
    if (session && !session.closeInfo) await session.disconnect(DisconnectReason.ClientQuitting);
  }
}

/** Sends our Status and resolves with the first eth message, which must be the node's Status. */
function exchangeStatus(session: Session, version: EthVersion, local: LocalChainStatus, signal: AbortSignal): Promise<AnyStatus> {
  return new Promise<AnyStatus>((resolve, reject) => {
    const done = (err: Error | undefined, status?: AnyStatus) => {
      session.off('message', onMessage);
      session.off('close', onClose);
      signal.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else resolve(status!);
    };
    const onMessage = (msg: SessionMessage) => {
      if (msg.capability.name !== ETH_PROTOCOL_NAME) return;
      if (msg.code !== EthMessageCode.Status) return done(new EthHandshakeError('unexpected-message', `first eth message has code 0x${msg.code.toString(16)}, expected Status`));
      try {
        done(undefined, decodeStatus(version, msg.data));
      } catch (err) {
        done(new EthHandshakeError('decode', (err as Error).message, { cause: err }));
      }
    };
    const onClose = (info: CloseInfo) =>
      done(new EthHandshakeError('disconnected', `${info.remote ? 'the node' : 'we'} disconnected before its Status: ${disconnectReasonName(info.reason)}`, { cause: info.error }));
    const onAbort = () => done(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    if (session.closeInfo) return onClose(session.closeInfo);
    if (signal.aborted) return onAbort();
    session.on('close', onClose);
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      session.send(ETH_PROTOCOL_NAME, EthMessageCode.Status, encodeStatus(version, makeStatus(version, local)));
    } catch (err) {
      return done(new EthHandshakeError('disconnected', `cannot send Status: ${(err as Error).message}`, { cause: err }));
    }
    // Attached last: messages that arrived since the Hello were held by the session and come now.
    session.on('message', onMessage);
  });
}

function reportJson(r: EthStatusReport, network: EthNetwork): Record<string, unknown> {
  const s = r.status;
  return {
    clientId: r.clientId,
    version: r.version,
    networkId: s.networkId.toString(),
    genesis: bytesToHex(s.genesis),
    forkId: { hash: bytesToHex(s.forkId.hash), next: s.forkId.next.toString() },
    forkIdValidation: r.forkIdValidation,
    ...(isStatus68(s)
      ? { td: s.td.toString(), head: bytesToHex(s.head) }
      : { earliestBlock: s.earliestBlock.toString(), latestBlock: s.latestBlock.toString(), latestBlockHash: bytesToHex(s.latestBlockHash) }),
    capabilities: r.capabilities.map((c) => `${c.name}/${c.version}`),
    network: network.name,
    ok: r.mismatch === undefined,
    ...(r.mismatch ? { mismatch: { reason: r.mismatch.reason, message: r.mismatch.message } } : {}),
  };
}

function reportText(r: EthStatusReport, network: EthNetwork): string {
  const s = r.status;
  const lines = [
    `client:     ${r.clientId}`,
    `eth:        ${r.version}`,
    `network ID: ${s.networkId}`,
    `genesis:    ${bytesToHex(s.genesis)}`,
    `fork ID:    ${bytesToHex(s.forkId.hash)} next ${s.forkId.next} (${r.forkIdValidation === 'ok' ? `valid for ${network.name}` : `${r.forkIdValidation} for ${network.name}`})`,
    ...(isStatus68(s)
      ? [`td:         ${s.td}`, `head:       ${bytesToHex(s.head)}`]
      : [`earliest:   ${s.earliestBlock}`, `latest:     ${s.latestBlock} (hash ${bytesToHex(s.latestBlockHash)})`]),
    `caps:       ${r.capabilities.map((c) => `${c.name}/${c.version}`).join(', ') || '(none)'}`,
    `status:     ${r.mismatch ? `MISMATCH with ${network.name}: ${r.mismatch.reason}: ${r.mismatch.message}` : `matches ${network.name}`}`,
  ];
  return lines.join('\n') + '\n';
}
