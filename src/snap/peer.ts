/**
 * A snap peer: typed, verified requests (request-ID matching, timeouts, AbortSignal, a bound on
 * requests in flight, byte soft limits) and serving of the peer's requests from a
 * {@link StateReader}. It runs over any transport that can send a snap message and disconnect:
 * a dialed Session ({@link SnapPeer.fromSession}) or a server peer (src/sync/node/snap-service.ts).
 *
 *   const session = await dial(target, { privateKey, capabilities: [...ethCapabilities(), SNAP1_CAPABILITY] });
 *   const snap = SnapPeer.fromSession(session);
 *   const range = await snap.getAccountRange({ root, origin: ZERO, limit: MAX, bytes: 512n * 1024n });
 *
 * Every response is checked before it is returned: range replies must prove themselves against
 * the requested root (or the account's storage root), codes must hash to what was asked, and no
 * reply may be larger than its byte limit allows. A reply that fails rejects its request with a
 * {@link SnapRequestError} and penalises the peer. A message that does not decode, a code the
 * version lacks, or a response to a request never sent disconnects the peer with
 * SubprotocolError (as geth's snap handler does) and a {@link SnapProtocolError} in CloseInfo.
 */
import { bytesToHex, equalBytes } from '../common/bytes.js';
import { TypedEmitter } from '../common/emitter.js';
import { DecodeError } from '../common/errors.js';
import { keccak256 } from '../crypto/keccak.js';
import { DisconnectReason } from '../rlpx/disconnect-reason.js';
import type { MessageSession } from '../rlpx/message-session.js';
import type { CloseInfo } from '../rlpx/session.js';
import { decodeSlimAccount, encodeFullAccount, type StateAccount } from './account.js';
import { SnapProtocolError, SnapRequestError, type SnapProtocolFailure, type SnapRequestFailure } from './errors.js';
import { decodeSnapMessage, SNAP_CODECS, type SnapMessage, type SnapMessages } from './messages/index.js';
import { isSnapVersion, SNAP_MAX_MESSAGE_SIZE, SNAP_PROTOCOL_NAME, SNAP_SOFT_RESPONSE_LIMIT, SnapMessageCode, snapMessageNameForCode, STATE_LOOKUP_SLACK, type SnapMessageName, type SnapVersion } from './protocol.js';
import { serveAccessLists, serveAccountRange, serveByteCodes, serveStorageRanges, serveTrieNodes } from './serve.js';
import type { SlotEntry, StateReader } from './state-reader.js';
import { verifyRangeProof } from './trie.js';
import { bytesToHash } from './bytes-order.js';

/** Default per-request timeout (geth's snap syncer waits up to about 10 s per request before it adapts). */
export const SNAP_REQUEST_TIMEOUT_MS = 10_000;
/** Default bound on our requests in flight to one peer; more wait for a slot (their timeout runs while waiting). */
export const SNAP_MAX_IN_FLIGHT = 16;
/** Most request IDs of ours that timed out or were aborted kept known, so their late answers are dropped, not taken as unsolicited. */
export const SNAP_EXPIRED_ID_MEMORY = 1024;

/** The penalties a snap peer reports (a subset of the server's penalty kinds). */
export type SnapPenalty = 'invalid-message' | 'protocol-breach' | 'unsolicited-response' | 'timeout';

/** What the peer runs over: one snap capability of one connection. */
export interface SnapTransport {
  readonly version: SnapVersion;
  /** Sends a snap message (code relative to the snap offset). */
  send(code: number, data: Uint8Array): void;
  disconnect(reason: DisconnectReason, error?: Error): Promise<void>;
  /** Reports misbehaviour to whatever keeps the peer's reputation (the server). */
  penalize?(kind: SnapPenalty, detail?: string): void;
}

export interface SnapPeerOptions {
  /** Serves the peer's requests; without it every request gets the empty answer geth gives for unknown state. */
  state?: StateReader;
  /** Per-request timeout (default {@link SNAP_REQUEST_TIMEOUT_MS}). */
  requestTimeoutMs?: number;
  /** Requests in flight at once (default {@link SNAP_MAX_IN_FLIGHT}). */
  maxInFlight?: number;
}

/** Options of one request. */
export interface SnapRequestOptions {
  signal?: AbortSignal;
  /** Overrides the peer's request timeout. */
  timeoutMs?: number;
}

/** A verified account. */
export interface VerifiedAccount {
  hash: Uint8Array;
  account: StateAccount;
}

/** The verified answer to {@link SnapPeer.getAccountRange}. */
export interface AccountRangeResult {
  accounts: VerifiedAccount[];
  /** Whether the trie holds accounts after the last one returned (ask again from there). */
  more: boolean;
  /** False when the peer answered with nothing at all: it does not have the state. */
  available: boolean;
  /** Proof nodes received. */
  proofNodes: number;
}

/** The verified answer to {@link SnapPeer.getStorageRanges}: one list per account served, in request order. */
export interface StorageRangesResult {
  slots: SlotEntry[][];
  /** Whether the last account's storage continues after its last slot returned. */
  more: boolean;
}

export interface SnapPeerEvents {
  /** The transport closed (emitted once). */
  close: (info: CloseInfo) => void;
}

interface Pending {
  request: SnapMessageName;
  response: SnapMessageName;
  resolve: (m: SnapMessage) => void;
  reject: (e: Error) => void;
}

const RESPONSE_OF: Partial<Record<SnapMessageName, SnapMessageName>> = {
  GetAccountRange: 'AccountRange',
  GetStorageRanges: 'StorageRanges',
  GetByteCodes: 'ByteCodes',
  GetTrieNodes: 'TrieNodes',
  GetAccessLists: 'AccessLists',
};
const RESPONSES: ReadonlySet<SnapMessageName> = new Set(Object.values(RESPONSE_OF));

/**
 * The byte limit a reply of `sizes` (per item, in order) may not break: every item but the last
 * must fit under `limit`, since the server stops once past it (geth's serving loops).
 */
function breaksLimit(sizes: readonly number[], limit: number): boolean {
  let sum = 0;
  for (let i = 0; i < sizes.length - 1; i++) sum += sizes[i]!;
  return sum > limit;
}

/** The limit the server applies: the request's, clamped to geth's soft response limit. */
function servedLimit(bytes: bigint): number {
  return bytes > BigInt(SNAP_SOFT_RESPONSE_LIMIT) ? SNAP_SOFT_RESPONSE_LIMIT : Number(bytes);
}

const ZERO_HASH = new Uint8Array(32);

export class SnapPeer extends TypedEmitter<SnapPeerEvents> {
  private nextId = BigInt(Math.floor(Math.random() * 2 ** 48));
  private readonly pending = new Map<bigint, Pending>();
  private readonly expired = new Set<bigint>();
  private readonly waiting: (() => void)[] = [];
  private closed: CloseInfo | undefined;
  private readonly timeoutMs: number;
  private readonly maxInFlight: number;

  constructor(
    private readonly transport: SnapTransport,
    private readonly opts: SnapPeerOptions = {},
  ) {
    super();
    this.timeoutMs = opts.requestTimeoutMs ?? SNAP_REQUEST_TIMEOUT_MS;
    this.maxInFlight = opts.maxInFlight ?? SNAP_MAX_IN_FLIGHT;
  }

  /**
   * A snap peer over a dialed (or accepted) session that negotiated snap. Messages are handled
   * one at a time in arrival order. Throws if snap was not negotiated. A session hands the
   * messages it held to its first 'message' listener: with eth on the same session, run the
   * eth handshake first (`EthPeer.connect`), then call this.
   */
  static fromSession(session: MessageSession, opts: SnapPeerOptions = {}): SnapPeer {
    const cap = session.capabilities.find((c) => c.name === SNAP_PROTOCOL_NAME);
    if (cap === undefined || !isSnapVersion(cap.version)) throw new Error('snap was not negotiated on this session');
    const version = cap.version;
    const peer = new SnapPeer({ version, send: (code, data) => session.send(SNAP_PROTOCOL_NAME, code, data), disconnect: (r, e) => session.disconnect(r, e) }, opts);
    let queue: Promise<void> = Promise.resolve();
    session.on('message', (m) => {
      if (m.capability !== SNAP_PROTOCOL_NAME) return;
      queue = queue.then(() => peer.handle(m.code, m.data)).catch((e: Error) => peer.failWith(e));
    });
    if (session.closeInfo) peer.close(session.closeInfo);
    else session.once('close', (info) => peer.close(info));
    return peer;
  }

  /** The negotiated snap version. */
  get version(): SnapVersion {
    return this.transport.version;
  }

  /** Why the peer closed, once it has. */
  get closeInfo(): CloseInfo | undefined {
    return this.closed;
  }

  /** Handles one inbound snap message (relative code). Protocol breaches disconnect the peer. */
  async handle(code: number, data: Uint8Array): Promise<void> {
    if (this.closed) return;
    if (data.length > SNAP_MAX_MESSAGE_SIZE) return this.breach('too-large', `message of ${data.length} bytes`);
    const name = snapMessageNameForCode(this.version, code);
    if (name === undefined) return this.breach('unknown-code', `snap/${this.version} has no message ${code}`);
    let msg: SnapMessage;
    try {
      msg = decodeSnapMessage(this.version, code, data);
    } catch (e) {
      if (e instanceof DecodeError) return this.breach('decode', e.message, e);
      throw e;
    }
    if (RESPONSES.has(msg.name)) return this.deliver(msg);
    try {
      const reply = await this.serve(msg);
      if (!this.closed) this.transport.send(SnapMessageCode[reply.name], (SNAP_CODECS[reply.name].encode as (v: unknown) => Uint8Array)(reply.value));
    } catch (e) {
      if (e instanceof SnapProtocolError) return this.breach(e.reason, e.message, e);
      throw e;
    }
  }

  private async serve(msg: SnapMessage): Promise<SnapMessage> {
    const state = this.opts.state ?? NO_STATE;
    switch (msg.name) {
      case 'GetAccountRange':
        return { name: 'AccountRange', value: await serveAccountRange(state, msg.value) };
      case 'GetStorageRanges':
        return { name: 'StorageRanges', value: await serveStorageRanges(state, msg.value) };
      case 'GetByteCodes':
        return { name: 'ByteCodes', value: serveByteCodes(state, msg.value) };
      case 'GetTrieNodes':
        return { name: 'TrieNodes', value: await serveTrieNodes(state, msg.value) };
      case 'GetAccessLists':
        return { name: 'AccessLists', value: serveAccessLists(state, msg.value) };
      default:
        throw new Error(`not a request: ${msg.name}`);
    }
  }

  private deliver(msg: SnapMessage): void {
    const id = (msg.value as { requestId: bigint }).requestId;
    const p = this.pending.get(id);
    if (p === undefined || p.response !== msg.name) {
      if (p === undefined && this.expired.has(id)) return; // a late answer to a request we gave up on
      this.penalize('unsolicited-response', `${msg.name} ${id}`);
      return this.breach('unsolicited', `${msg.name} with request ID ${id} we did not send`);
    }
    this.pending.delete(id);
    p.resolve(msg);
  }

  /** Ends the peer after a breach: SubprotocolError, as geth's snap handler ends it. */
  private breach(reason: SnapProtocolFailure, message: string, cause?: unknown): void {
    const err = new SnapProtocolError(reason, message, cause === undefined ? undefined : { cause });
    if (reason !== 'unsolicited') this.penalize('protocol-breach', err.message);
    void this.transport.disconnect(DisconnectReason.SubprotocolError, err).catch(() => {});
  }

  /** Called by {@link fromSession}'s queue when handling threw unexpectedly. */
  private failWith(e: Error): void {
    void this.transport.disconnect(DisconnectReason.SubprotocolError, e).catch(() => {});
  }

  private penalize(kind: SnapPenalty, detail: string): void {
    this.transport.penalize?.(kind, detail);
  }

  /** The transport is gone: every request in flight fails with 'disconnected'. */
  close(info: CloseInfo): void {
    if (this.closed) return;
    this.closed = info;
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      p.reject(new SnapRequestError('disconnected', p.request, `peer disconnected (${DisconnectReason[info.reason] ?? info.reason})`));
    }
    for (const w of this.waiting.splice(0)) w();
    this.emit('close', info);
  }

  /** Sends request `msg` and waits for its response. */
  private async request<K extends SnapMessageName>(name: K, value: Omit<SnapMessages[K], 'requestId'>, opts: SnapRequestOptions): Promise<SnapMessage> {
    const response = RESPONSE_OF[name]!;
    if (snapMessageNameForCode(this.version, SnapMessageCode[name]) === undefined) throw new SnapRequestError('unsupported', name, `snap/${this.version} has no ${name}`);
    const timeoutMs = opts.timeoutMs ?? this.timeoutMs;
    const signal = opts.signal;
    return new Promise<SnapMessage>((resolve, reject) => {
      let id: bigint | undefined;
      let timer: ReturnType<typeof setTimeout> | undefined = undefined;
      let settled = false;
      const finish = (): void => {
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (id !== undefined) {
          this.pending.delete(id);
          this.waiting.shift()?.();
        }
      };
      const fail = (reason: SnapRequestFailure, message: string): void => {
        if (id !== undefined && this.pending.has(id)) this.remember(id);
        finish();
        reject(new SnapRequestError(reason, name, message));
      };
      const onAbort = (): void => fail('aborted', 'aborted');
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      timer = setTimeout(() => {
        this.penalize('timeout', name);
        fail('timeout', `no response within ${timeoutMs} ms`);
      }, timeoutMs);
      const send = (): void => {
        // A waiter that timed out or was aborted hands its turn on.
        if (settled) return void this.waiting.shift()?.();
        if (this.closed) return fail('disconnected', 'peer disconnected');
        id = this.nextId++;
        this.pending.set(id, {
          request: name,
          response,
          resolve: (m) => {
            finish();
            resolve(m);
          },
          reject: (e) => {
            finish();
            reject(e);
          },
        });
        const body = (SNAP_CODECS[name].encode as (v: unknown) => Uint8Array)({ ...value, requestId: id });
        this.transport.send(SnapMessageCode[name], body);
      };
      if (this.closed) return fail('disconnected', 'peer disconnected');
      if (this.pending.size < this.maxInFlight) send();
      else this.waiting.push(send);
    });
  }

  private remember(id: bigint): void {
    this.expired.add(id);
    if (this.expired.size > SNAP_EXPIRED_ID_MEMORY) this.expired.delete(this.expired.values().next().value!);
  }

  /** Fails a request because of the reply's content, penalising the peer. */
  private refuse(reason: SnapRequestFailure, request: string, message: string, cause?: unknown): never {
    this.penalize('invalid-message', `${request}: ${message}`);
    throw new SnapRequestError(reason, request, message, cause === undefined ? undefined : { cause });
  }

  /**
   * A range of the account trie at `root`, from `origin` up to (and possibly one past) `limit`,
   * proved against `root` before it is returned.
   */
  async getAccountRange(req: { root: Uint8Array; origin?: Uint8Array; limit?: Uint8Array; bytes?: bigint }, opts: SnapRequestOptions = {}): Promise<AccountRangeResult> {
    const origin = req.origin ?? ZERO_HASH;
    const limit = req.limit ?? new Uint8Array(32).fill(0xff);
    const bytes = req.bytes ?? BigInt(SNAP_SOFT_RESPONSE_LIMIT);
    const res = (await this.request('GetAccountRange', { root: req.root, origin, limit, bytes }, opts)).value as SnapMessages['AccountRange'];
    if (res.accounts.length === 0 && res.proof.length === 0) return { accounts: [], more: false, available: false, proofNodes: 0 };
    if (breaksLimit(res.accounts.map((a) => 32 + a.body.length), servedLimit(bytes))) this.refuse('oversize', 'GetAccountRange', `reply goes past the ${bytes}-byte limit`);
    const accounts = res.accounts.map((a) => ({ hash: a.hash, account: decodeSlimAccount(a.body) }));
    let more: boolean;
    try {
      more = await verifyRangeProof(req.root, origin, accounts.map((a) => a.hash), accounts.map((a) => encodeFullAccount(a.account)), res.proof);
    } catch (e) {
      return this.refuse('proof', 'GetAccountRange', (e as Error).message, e);
    }
    return { accounts, more, available: true, proofNodes: res.proof.length };
  }

  /**
   * Storage of `accounts` at `root`: each account's slots proved against its storage root (which
   * the caller knows from the account range). Only the first account may start past zero
   * (`origin`) or stop early (`limit`).
   */
  async getStorageRanges(
    req: { root: Uint8Array; accounts: readonly { hash: Uint8Array; storageRoot: Uint8Array }[]; origin?: Uint8Array; limit?: Uint8Array; bytes?: bigint },
    opts: SnapRequestOptions = {},
  ): Promise<StorageRangesResult> {
    const origin = req.origin ?? new Uint8Array(0);
    const bytes = req.bytes ?? BigInt(SNAP_SOFT_RESPONSE_LIMIT);
    const res = (await this.request('GetStorageRanges', { root: req.root, accounts: req.accounts.map((a) => a.hash), origin, limit: req.limit ?? new Uint8Array(0), bytes }, opts)).value as SnapMessages['StorageRanges'];
    if (res.slots.length > req.accounts.length) this.refuse('invalid-response', 'GetStorageRanges', `${res.slots.length} slot lists for ${req.accounts.length} accounts`);
    const sizes = res.slots.flat().map((s) => 32 + s.body.length);
    if (breaksLimit(sizes, Math.floor(servedLimit(bytes) * (1 + STATE_LOOKUP_SLACK)))) this.refuse('oversize', 'GetStorageRanges', `reply goes past the ${bytes}-byte limit`);
    let more = false;
    const slots: SlotEntry[][] = [];
    for (let i = 0; i < res.slots.length; i++) {
      const list = res.slots[i]!;
      const last = i === res.slots.length - 1;
      const proof = last ? res.proof : [];
      const start = i === 0 && origin.length > 0 ? bytesToHash(origin) : ZERO_HASH;
      try {
        const cont = await verifyRangeProof(req.accounts[i]!.storageRoot, start, list.map((s) => s.hash), list.map((s) => s.body), proof);
        if (last) more = cont;
      } catch (e) {
        return this.refuse('proof', 'GetStorageRanges', `account ${bytesToHex(req.accounts[i]!.hash)}: ${(e as Error).message}`, e);
      }
      slots.push(list.map((s) => ({ hash: s.hash, value: s.body })));
    }
    return { slots, more };
  }

  /** Contract codes by hash: the ones the peer has, in request order, each checked to hash to its request. */
  async getByteCodes(req: { hashes: readonly Uint8Array[]; bytes?: bigint }, opts: SnapRequestOptions = {}): Promise<{ hash: Uint8Array; code: Uint8Array }[]> {
    const bytes = req.bytes ?? BigInt(SNAP_SOFT_RESPONSE_LIMIT);
    const res = (await this.request('GetByteCodes', { hashes: [...req.hashes], bytes }, opts)).value as SnapMessages['ByteCodes'];
    if (breaksLimit(res.codes.map((c) => c.length), servedLimit(bytes))) this.refuse('oversize', 'GetByteCodes', `reply goes past the ${bytes}-byte limit`);
    const out: { hash: Uint8Array; code: Uint8Array }[] = [];
    let next = 0;
    for (const code of res.codes) {
      const hash = keccak256(code);
      while (next < req.hashes.length && !equalBytes(req.hashes[next]!, hash)) next++;
      if (next === req.hashes.length) this.refuse('invalid-response', 'GetByteCodes', `code ${bytesToHex(hash)} was not asked for (or is out of order)`);
      out.push({ hash: req.hashes[next++]!, code });
    }
    return out;
  }

  /**
   * Trie nodes by path (snap/1). Each path set is `[account-path]` or `[account-hash,
   * storage-path...]`, paths compact-encoded. With `expected` (hashes in request order), each
   * node is checked to hash to its entry.
   */
  async getTrieNodes(req: { root: Uint8Array; paths: readonly (readonly Uint8Array[])[]; bytes?: bigint; expected?: readonly Uint8Array[] }, opts: SnapRequestOptions = {}): Promise<Uint8Array[]> {
    const bytes = req.bytes ?? BigInt(SNAP_SOFT_RESPONSE_LIMIT);
    const res = (await this.request('GetTrieNodes', { root: req.root, paths: req.paths.map((p) => [...p]), bytes }, opts)).value as SnapMessages['TrieNodes'];
    const asked = req.paths.reduce((n, set) => n + Math.max(1, set.length - 1), 0);
    if (res.nodes.length > asked) this.refuse('invalid-response', 'GetTrieNodes', `${res.nodes.length} nodes for ${asked} paths`);
    if (breaksLimit(res.nodes.map((n) => n.length), servedLimit(bytes))) this.refuse('oversize', 'GetTrieNodes', `reply goes past the ${bytes}-byte limit`);
    if (req.expected !== undefined) {
      res.nodes.forEach((n, i) => {
        const want = req.expected![i];
        if (want !== undefined && !equalBytes(keccak256(n), want)) this.refuse('invalid-response', 'GetTrieNodes', `node ${i} does not hash to ${bytesToHex(want)}`);
      });
    }
    return res.nodes;
  }

  /**
   * Block access lists by block hash (snap/2): one entry per hash answered, in request order,
   * `undefined` where the peer does not have it. The server may stop early (tail cut).
   */
  async getAccessLists(req: { hashes: readonly Uint8Array[]; bytes?: bigint }, opts: SnapRequestOptions = {}): Promise<(Uint8Array | undefined)[]> {
    const bytes = req.bytes ?? BigInt(SNAP_SOFT_RESPONSE_LIMIT);
    const res = (await this.request('GetAccessLists', { hashes: [...req.hashes], bytes }, opts)).value as SnapMessages['AccessLists'];
    if (res.accessLists.length > req.hashes.length) this.refuse('invalid-response', 'GetAccessLists', `${res.accessLists.length} entries for ${req.hashes.length} hashes`);
    if (breaksLimit(res.accessLists.map((a) => a.length), servedLimit(bytes))) this.refuse('oversize', 'GetAccessLists', `reply goes past the ${bytes}-byte limit`);
    return res.accessLists.map((a) => (a.length === 1 && a[0] === 0x80 ? undefined : a));
  }
}

/** The state of a node that has none: every request gets the empty answer. */
const NO_STATE: StateReader = { state: () => undefined, code: () => undefined };
