/**
 * The tester's side of one eth connection: an RLPx session offering exactly the eth versions a
 * check asks for, with the remote's eth messages queued for bounded reads. It speaks through
 * the session directly (not through EthPeer), so a check can send what a well-behaved peer
 * never would: a wrong Status, a message before Status, a repeated request ID.
 *
 * Requests the node sends us are answered with empty lists, as a peer without blocks would, so
 * a node that drops unresponsive peers does not drop the tester mid-check.
 */
import { CLIENT_NAME, CLIENT_VERSION } from '../../common/client-id.js';
import { generatePrivateKey } from '../../crypto/secp256k1.js';
import type { Enode } from '../../enode/enode-url.js';
import { ethCapability, negotiatedEthVersion } from '../../eth/capabilities.js';
import { decodeStatus, encodeStatus, type AnyStatus } from '../../eth/handshake.js';
import { decodeRequestIdEnvelope, encRequestId } from '../../eth/messages/request-id.js';
import { EthMessageCode, hasPaginatedReceipts, type EthVersion } from '../../eth/protocol.js';
import { encList, encUint } from '../../common/rlp-encode.js';
import { dial } from '../../rlpx/connect.js';
import { disconnectReasonName } from '../../rlpx/disconnect-reason.js';
import type { CloseInfo, Session, SessionMessage } from '../../rlpx/session.js';
import { CheckFailure, type CheckContext } from '../check.js';
import { readTimeout, type EthTarget } from './target.js';

/** Client ID the tester announces in Hello. */
export const TESTER_CLIENT_ID = `${CLIENT_NAME}-conformance/${CLIENT_VERSION}`;

/** An eth message as received: code relative to the eth offset, undecoded body. */
export interface RawEthMessage {
  code: number;
  data: Uint8Array;
}

/** Describes how a session ended, for reports: `remote disconnect: subprotocol error (0x10)`. */
export function describeClose(info: CloseInfo): string {
  const who = info.remote ? 'node' : 'tester';
  const reason = `${disconnectReasonName(info.reason)} (0x${info.reason.toString(16).padStart(2, '0')})`;
  // A remote close without a Disconnect message shows up as a network error with the socket's message.
  if (info.remote && !(info.error && info.error.name === 'DisconnectError')) return `${who} closed the connection without Disconnect (${info.error?.message ?? 'socket closed'})`;
  return `${who} disconnected: ${reason}`;
}

/** The node ended the session while the check was waiting for something else. */
export class RemoteClosedError extends CheckFailure {
  constructor(
    readonly info: CloseInfo,
    waitingFor: string,
  ) {
    super(`${describeClose(info)} while waiting for ${waitingFor}`);
    this.name = 'RemoteClosedError';
  }
}

/** Requests from the node and the code of the (empty) response we send back. */
const EMPTY_ANSWER: Readonly<Record<number, number>> = {
  [EthMessageCode.GetBlockHeaders]: EthMessageCode.BlockHeaders,
  [EthMessageCode.GetBlockBodies]: EthMessageCode.BlockBodies,
  [EthMessageCode.GetPooledTransactions]: EthMessageCode.PooledTransactions,
  [EthMessageCode.GetReceipts]: EthMessageCode.Receipts,
  // eth/71: an empty list is a valid answer (the tail may be cut, EIP-8159).
  [EthMessageCode.GetBlockAccessLists]: EthMessageCode.BlockAccessLists,
};

/** Dials `node` offering `versions` of eth, from a fresh node key; TCP connect and handshake + Hello each within `timeoutMs`. */
export async function dialEth(node: Enode, versions: readonly EthVersion[], opts: { signal: AbortSignal; timeoutMs: number; localAddress?: string | undefined }): Promise<Session> {
  return dial(
    { publicKey: node.publicKey, host: node.ip, port: node.tcpPort },
    { privateKey: generatePrivateKey(), capabilities: versions.map(ethCapability), clientId: TESTER_CLIENT_ID, requireSharedCapability: false, handshakeTimeoutMs: opts.timeoutMs },
    { signal: opts.signal, dialTimeoutMs: opts.timeoutMs, ...(opts.localAddress ? { localAddress: opts.localAddress } : {}) },
  );
}

/** One tester connection. Open with {@link EthConn.open}. */
export class EthConn {
  /** The Status the node sent, once read. */
  remoteStatus?: AnyStatus;
  /** Our Status, once sent. */
  localStatus?: AnyStatus;
  /** Messages skipped while waiting for something else, by code (for notes). */
  readonly skipped = new Map<number, number>();
  private readonly queue: RawEthMessage[] = [];
  private wake?: () => void;
  private statusSent = false;

  private constructor(
    readonly session: Session,
    readonly version: EthVersion,
    readonly timeoutMs: number,
    private readonly signal: AbortSignal,
  ) {
    session.on('message', (m: SessionMessage) => this.onMessage(m));
    session.on('close', () => this.wake?.());
  }

  /**
   * Dials the target offering `versions` (default: just `version`), skips the check if the node
   * does not speak `version`, and registers the connection's close with the check.
   */
  static async open(target: EthTarget, t: CheckContext, version: EthVersion, versions: readonly EthVersion[] = [version]): Promise<EthConn> {
    const timeoutMs = readTimeout(target);
    let session: Session;
    try {
      session = await dialEth(target.node, versions, { signal: t.signal, timeoutMs, localAddress: target.localAddress });
    } catch (err) {
      throw new CheckFailure(`cannot connect: ${(err as Error).message}`);
    }
    t.defer(() => session.disconnect());
    const negotiated = negotiatedEthVersion(session);
    if (negotiated === undefined || !versions.includes(negotiated)) {
      const offered = (session.remoteHello?.capabilities ?? []).map((c) => `${c.name}/${c.version}`).join(', ');
      t.skip(`node does not offer eth/${versions.join(',eth/')} (Hello: ${offered || 'no capabilities'})`);
    }
    return new EthConn(session, negotiated, timeoutMs, t.signal);
  }

  /** How the session ended, if it has. */
  get closeInfo(): CloseInfo | undefined {
    return this.session.closeInfo;
  }

  private onMessage(m: SessionMessage): void {
    if (m.capability !== 'eth') return;
    const answer = EMPTY_ANSWER[m.code];
    if (answer !== undefined && this.statusSent) {
      this.answerEmpty(m.code, answer, m.data);
      return;
    }
    this.queue.push({ code: m.code, data: m.data });
    this.wake?.();
  }

  private answerEmpty(code: number, answer: number, data: Uint8Array): void {
    let id: bigint;
    try {
      id = decodeRequestIdEnvelope(data).requestId;
    } catch {
      return;
    }
    // eth/70+ Receipts carry a lastBlockIncomplete flag before the list.
    const body = code === EthMessageCode.GetReceipts && hasPaginatedReceipts(this.version) ? encList([encRequestId(id), encUint(0), encList([])]) : encList([encRequestId(id), encList([])]);
    try {
      this.session.send('eth', answer, body);
    } catch {
      // Closing; nothing to answer.
    }
  }

  /** Sends an eth message (code relative to the eth offset). */
  send(code: number, data: Uint8Array): void {
    if (code === EthMessageCode.Status) this.statusSent = true;
    try {
      this.session.send('eth', code, data);
    } catch (err) {
      const info = this.closeInfo;
      throw new CheckFailure(info ? `cannot send: ${describeClose(info)}` : `cannot send: ${(err as Error).message}`);
    }
  }

  /** Waits for a wake-up (message or close) for at most `ms`; false on timeout. */
  private sleep(ms: number): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      const done = (v: boolean | Error) => {
        clearTimeout(timer);
        this.wake = undefined;
        this.signal.removeEventListener('abort', onAbort);
        v instanceof Error ? reject(v) : resolve(v);
      };
      const onAbort = () => done(this.signal.reason instanceof Error ? this.signal.reason : new Error('aborted'));
      const timer = setTimeout(() => done(false), ms);
      this.wake = () => done(true);
      if (this.signal.aborted) onAbort();
      else this.signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /**
   * The next eth message whose code is in `codes` (any code if empty); others are skipped.
   * Fails the check on timeout or if the node disconnects.
   */
  async next(codes: readonly number[], what: string, timeoutMs = this.timeoutMs): Promise<RawEthMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      while (this.queue.length > 0) {
        const m = this.queue.shift()!;
        if (codes.length === 0 || codes.includes(m.code)) return m;
        this.skipped.set(m.code, (this.skipped.get(m.code) ?? 0) + 1);
      }
      if (this.closeInfo) throw new RemoteClosedError(this.closeInfo, what);
      const left = deadline - Date.now();
      if (left <= 0 || !(await this.sleep(left))) {
        if (this.queue.length === 0) throw new CheckFailure(`no ${what} within ${timeoutMs} ms`);
      }
    }
  }

  /**
   * Waits for the session to end, discarding messages. Resolves with how it ended, or
   * undefined if it is still open after `timeoutMs`.
   */
  async waitClose(timeoutMs = this.timeoutMs): Promise<CloseInfo | undefined> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closeInfo) {
      this.queue.length = 0;
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      await this.sleep(left);
    }
    return this.closeInfo;
  }

  /** Reads the node's Status: it must be the first eth message and decode in the negotiated form. */
  async readStatus(): Promise<AnyStatus> {
    const m = await this.next([], 'the node\'s Status');
    if (m.code !== EthMessageCode.Status) throw new CheckFailure(`first eth message from the node has code 0x${m.code.toString(16)}, expected Status (0x00)`);
    try {
      this.remoteStatus = decodeStatus(this.version, m.data);
    } catch (err) {
      throw new CheckFailure(`node's eth/${this.version} Status does not decode: ${(err as Error).message}`);
    }
    return this.remoteStatus;
  }

  /** Sends a Status in the negotiated form. */
  sendStatus(s: AnyStatus): void {
    this.localStatus = s;
    this.send(EthMessageCode.Status, encodeStatus(this.version, s));
  }

  /** Pings at the base protocol and waits for the Pong; fails the check if none comes. */
  async ping(timeoutMs = this.timeoutMs): Promise<void> {
    if (this.closeInfo) throw new RemoteClosedError(this.closeInfo, 'Pong');
    await new Promise<void>((resolve, reject) => {
      const done = (err?: Error) => {
        clearTimeout(timer);
        this.session.off('pong', onPong);
        this.session.off('close', onClose);
        this.signal.removeEventListener('abort', onAbort);
        err ? reject(err) : resolve();
      };
      const onPong = () => done();
      const onClose = (info: CloseInfo) => done(new RemoteClosedError(info, 'Pong'));
      const onAbort = () => done(this.signal.reason instanceof Error ? this.signal.reason : new Error('aborted'));
      const timer = setTimeout(() => done(new CheckFailure(`no Pong within ${timeoutMs} ms`)), timeoutMs);
      this.session.on('pong', onPong);
      this.session.on('close', onClose);
      this.signal.addEventListener('abort', onAbort, { once: true });
      this.session.ping();
    });
  }

  /** Messages skipped so far, for a note: `NewPooledTransactionHashes x3`. */
  skippedSummary(): string {
    return [...this.skipped].map(([code, n]) => `0x${code.toString(16)} x${n}`).join(', ');
  }
}
