/**
 * The eth Status handshake (geth `eth/protocols/eth/handshake.go`): both sides send Status at
 * once; the remote's must be the first eth message, in the form of the negotiated version
 * (eth/68 with TD and head; eth/69+ with the served block range), and agree on version,
 * network ID, genesis and (by the EIP-2124 filter) fork ID. Any mismatch ends the session with
 * Disconnect(SubprotocolError), a Status that does not decode with ProtocolBreach; no Status within {@link STATUS_TIMEOUT_MS} ends it with
 * ReadTimeout, as geth does. Failures reject with a typed {@link EthHandshakeError}.
 */
import { equalBytes, bytesToHex } from '../common/bytes.js';
import { DisconnectReason } from '../rlpx/disconnect-reason.js';
import type { CloseInfo, SessionMessage } from '../rlpx/session.js';
import type { MessageSession } from '../rlpx/message-session.js';
import { negotiatedEthVersion } from './capabilities.js';
import { networkForkFilter, networkForkId, type EthNetwork } from '../chain/chain-config.js';
import { EthHandshakeError, type EthHandshakeFailure } from './errors.js';
import type { ForkIdFilter } from '../chain/forkid.js';
import { isValidBlockRange } from './messages/block-range-update.js';
import { decodeStatus68, decodeStatus69, encodeStatus68, encodeStatus69, type Status68, type Status69 } from './messages/status.js';
import { topLevelValue } from './messages/top-level.js';
import { ETH_PROTOCOL_NAME, EthMessageCode, MAX_MESSAGE_SIZE, type EthVersion } from './protocol.js';

/** geth's handshakeTimeout for the Status exchange. */
export const STATUS_TIMEOUT_MS = 5_000;

/** Our side of the Status: which chain we are on and what we serve. */
export interface LocalChainStatus {
  network: EthNetwork;
  /** Our head block: its number, hash and timestamp (the timestamp selects time-based forks). */
  head: { number: bigint; hash: Uint8Array; time: bigint };
  /** eth/69+: the oldest block whose body and receipts we serve (default 0). */
  earliestBlock?: bigint;
  /** eth/68: total difficulty of the head. Post-merge geth leaves it 0 (the default). */
  td?: bigint;
}

export interface EthHandshakeOptions extends LocalChainStatus {
  /** Default {@link STATUS_TIMEOUT_MS}. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Fork ID filter; default `networkForkFilter(network)` (pass one to reuse it across peers). */
  forkFilter?: ForkIdFilter;
}

/** A Status in the form of its version. */
export type AnyStatus = Status68 | Status69;

/** The outcome of a successful handshake. */
export interface EthHandshakeResult {
  /** The negotiated eth version. */
  version: EthVersion;
  /** The Status we sent. */
  local: AnyStatus;
  /** The Status the peer sent (Status68 for eth/68, Status69 for eth/69 and eth/70). */
  remote: AnyStatus;
}

/** True if `s` is an eth/68 Status. */
export function isStatus68(s: AnyStatus): s is Status68 {
  return 'td' in s;
}

/** Builds our Status for `version`. */
export function makeStatus(version: EthVersion, local: LocalChainStatus): AnyStatus {
  const forkId = networkForkId(local.network, local.head.number, local.head.time);
  if (version === 68) {
    return { version, networkId: local.network.networkId, td: local.td ?? 0n, head: local.head.hash, genesis: local.network.genesisHash, forkId };
  }
  return {
    version,
    networkId: local.network.networkId,
    genesis: local.network.genesisHash,
    forkId,
    earliestBlock: local.earliestBlock ?? 0n,
    latestBlock: local.head.number,
    latestBlockHash: local.head.hash,
  };
}

/** Encodes a Status in the form of `version`. */
export function encodeStatus(version: EthVersion, s: AnyStatus): Uint8Array {
  if (version === 68) {
    if (!isStatus68(s)) throw new RangeError('eth/68 needs a Status with td and head');
    return encodeStatus68(s);
  }
  if (isStatus68(s)) throw new RangeError(`eth/${version} needs a Status with a block range`);
  return encodeStatus69(s);
}

/** Decodes a Status in the form of `version` (bytes after its RLP value ignored, as geth). */
export function decodeStatus(version: EthVersion, data: Uint8Array): AnyStatus {
  const value = topLevelValue(data);
  return version === 68 ? decodeStatus68(value) : decodeStatus69(value);
}

/** A failed check: the reason and a message; undefined means the Status is acceptable. */
export interface StatusMismatch {
  reason: EthHandshakeFailure;
  message: string;
  forkId?: 'remote-stale' | 'local-incompatible-or-stale';
}

/** Checks a remote Status against the negotiated version and our chain (geth's checks, in geth's order). */
export function checkStatus(version: EthVersion, remote: AnyStatus, local: LocalChainStatus, filter: ForkIdFilter = networkForkFilter(local.network)): StatusMismatch | undefined {
  if (remote.networkId !== local.network.networkId) return { reason: 'network-id', message: `network ${remote.networkId}, want ${local.network.networkId}` };
  if (remote.version !== version) return { reason: 'version', message: `Status version ${remote.version}, negotiated ${version}` };
  if (!equalBytes(remote.genesis, local.network.genesisHash)) {
    return { reason: 'genesis', message: `genesis ${bytesToHex(remote.genesis)}, want ${bytesToHex(local.network.genesisHash)}` };
  }
  const verdict = filter(remote.forkId, local.head.number, local.head.time);
  if (verdict !== 'ok') return { reason: 'fork-id', message: `fork ID ${bytesToHex(remote.forkId.hash)}/${remote.forkId.next}: ${verdict}`, forkId: verdict };
  if (!isStatus68(remote) && !isValidBlockRange({ earliestBlock: remote.earliestBlock, latestBlock: remote.latestBlock, latestBlockHash: remote.latestBlockHash })) {
    return { reason: 'block-range', message: `invalid block range ${remote.earliestBlock}..${remote.latestBlock} (latest hash ${bytesToHex(remote.latestBlockHash)})` };
  }
  return undefined;
}

/**
 * Runs the Status exchange on an active session. Resolves with both Statuses; rejects with
 * {@link EthHandshakeError} after disconnecting the peer (except for 'no-eth' and
 * 'disconnected', where there is nothing to end).
 *
 * The 'message' listener is removed synchronously when the Status arrives, so eth messages
 * right behind it stay held by the session (see `MAX_HELD_BYTES`) until the next handler (e.g.
 * {@link EthPeer}) attaches, provided no other 'message' listener is attached meanwhile.
 */
export function ethHandshake(session: MessageSession, opts: EthHandshakeOptions): Promise<EthHandshakeResult> {
  const version = negotiatedEthVersion(session);
  if (version === undefined) return Promise.reject(new EthHandshakeError('no-eth', 'eth was not negotiated on this session'));
  const timeoutMs = opts.timeoutMs ?? STATUS_TIMEOUT_MS;
  const filter = opts.forkFilter ?? networkForkFilter(opts.network);
  const local = makeStatus(version, opts);

  return new Promise<EthHandshakeResult>((resolve, reject) => {
    let done = false;
    const cleanup = () => {
      done = true;
      clearTimeout(timer);
      session.off('message', onMessage);
      session.off('close', onClose);
      opts.signal?.removeEventListener('abort', onAbort);
    };
    const fail = (reason: EthHandshakeFailure, message: string, disconnect: DisconnectReason | undefined, extra: { forkId?: StatusMismatch['forkId']; cause?: unknown } = {}) => {
      if (done) return;
      cleanup();
      const err = new EthHandshakeError(reason, message, { ...extra, ...(disconnect === undefined ? {} : { disconnectReason: disconnect }) });
      if (disconnect !== undefined) void session.disconnect(disconnect, err);
      reject(err);
    };
    const onMessage = (msg: SessionMessage) => {
      if (done || msg.capability.name !== ETH_PROTOCOL_NAME) return;
      if (msg.code !== EthMessageCode.Status) {
        fail('unexpected-message', `first eth message has code 0x${msg.code.toString(16)}, expected Status`, DisconnectReason.SubprotocolError);
        return;
      }
      let remote: AnyStatus;
      try {
        remote = decodeStatus(version, msg.data);
      } catch (err) {
        // geth: a Status over 10 MiB is errMsgTooLarge (SubprotocolError), one that does not
        // decode is errInvalidMsg (ProtocolBreach).
        fail('decode', (err as Error).message, msg.data.length > MAX_MESSAGE_SIZE ? DisconnectReason.SubprotocolError : DisconnectReason.ProtocolBreach, { cause: err });
        return;
      }
      const mismatch = checkStatus(version, remote, opts, filter);
      if (mismatch) {
        fail(mismatch.reason, mismatch.message, DisconnectReason.SubprotocolError, mismatch.forkId ? { forkId: mismatch.forkId } : {});
        return;
      }
      cleanup();
      resolve({ version, local, remote });
    };
    const onClose = (info: CloseInfo) => fail('disconnected', `session closed (reason 0x${info.reason.toString(16)}, ${info.remote ? 'remote' : 'local'})`, undefined, { cause: info.error });
    const onAbort = () => fail('aborted', 'aborted by caller', DisconnectReason.Requested, { cause: opts.signal?.reason });
    const timer = setTimeout(() => fail('timeout', `no Status within ${timeoutMs} ms`, DisconnectReason.ReadTimeout), timeoutMs);

    if (session.closeInfo) return onClose(session.closeInfo);
    if (opts.signal?.aborted) return onAbort();
    session.on('close', onClose);
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      session.send(ETH_PROTOCOL_NAME, EthMessageCode.Status, encodeStatus(version, local));
    } catch (err) {
      fail('disconnected', `cannot send Status: ${(err as Error).message}`, undefined, { cause: err });
      return;
    }
    session.on('message', onMessage);
  });
}
