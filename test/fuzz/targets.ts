/**
 * The fuzz target registry: one entry per decoder that reads bytes from the network (or from
 * a user). The property tests (registry.property.test.ts), the corpus replay (corpus.test.ts)
 * and the `npm run fuzz` runner (run.ts) all take their targets from here, so a decoder added
 * here is covered everywhere.
 *
 * Each target decodes bytes exactly as the node's inbound path does, states which typed errors
 * that path is allowed to throw (anything else is a bug), and generates valid encodings for
 * the mutation strategies. Where decoding is canonical, `reencode` maps an accepted value
 * back to bytes that must equal the input.
 */
import fc from 'fast-check';
import { DecodeError } from '../../src/common/errors.js';
import { rlpDecode, rlpEncode } from '../../src/common/rlp.js';
import { publicKeyOf } from '../../src/crypto/secp256k1.js';
import { decodePacket, encodePacket, MAX_PACKET_SIZE, PacketError } from '../../src/discv4/index.js';
import { decodeEnr, encodeEnr, ENR_MAX_SIZE, enrFromText, enrToText } from '../../src/enode/enr.js';
import { EnodeUrlError, formatEnode, parseEnode } from '../../src/enode/enode-url.js';
import { decodeForkId, encodeForkId } from '../../src/chain/forkid.js';
import { decodeHeader } from '../../src/chain/header.js';
import { decodeBlockHeaderRecords, encodeBlockHeaders } from '../../src/eth/messages/headers.js';
import { ETH_CODECS } from '../../src/eth/messages/index.js';
import { decodeRequestIdEnvelope } from '../../src/eth/messages/request-id.js';
import { ETH_VERSIONS, MAX_MESSAGE_SIZE } from '../../src/eth/protocol.js';
import { RlpReader } from '../../src/common/rlp-reader.js';
import { transactionFromRaw } from '../../src/chain/transaction.js';
import { eciesDecrypt, eciesEncrypt } from '../../src/rlpx/ecies.js';
import { EciesError, FrameError, HandshakeError } from '../../src/rlpx/errors.js';
import { decodeMessageId, encodeMessageId, FrameCodec, HEADER_LENGTH, paddedBodyLength } from '../../src/rlpx/frame.js';
import { decodeAckBody, decodeAuthBody, handshakePacketLength, InitiatorHandshake, MAX_HANDSHAKE_PACKET, RecipientHandshake, type HandshakeSecrets } from '../../src/rlpx/handshake.js';
import { decodeDisconnect, decodeHello, encodeDisconnect, encodeHello, MAX_HELLO_SIZE } from '../../src/rlpx/hello.js';
import { snappyCompress, snappyUncompress } from '../../src/rlpx/snappy.js';
import { frame as discv4Frame } from '../discv4/frame.js';
import { forkIdArb, headerArb, MESSAGE_ARBS, rlpValue, txArb } from '../eth/arbitraries.js';
import { discv4MessageArb, enodeArb, enrArb, FUZZ_KEYS, helloArb, smallRlpArb } from './arbitraries.js';
import { parseEntry, parseLink, parseRoot } from '../../src/dnsdisc/entries.js';
import { DnsBranchTooWideError, DnsEntryError } from '../../src/dnsdisc/errors.js';
import { entryTextArb, linkTextArb, rootTextArb } from '../dnsdisc/arbitraries.js';
import { discv5Targets } from './discv5-targets.js';
import { SNAP_CODECS } from '../../src/snap/messages/index.js';
import { SNAP_MAX_MESSAGE_SIZE, type SnapMessageName } from '../../src/snap/protocol.js';
import { SNAP_MESSAGE_ARBS } from '../snap/arbitraries.js';

/** A class of error a target may throw (matched with instanceof). */
export type ErrorClass = abstract new (...args: never[]) => Error;

/** One decoder under test. */
export interface FuzzTarget {
  /** Unique, `[a-z0-9-]`: also the directory of its corpus under test/corpus/. */
  readonly name: string;
  /** Decodes as the node's inbound path does; may return anything. */
  decode(data: Uint8Array): unknown;
  /** The only error classes decode may throw. */
  readonly errors: readonly ErrorClass[];
  /** Valid encodings, the seeds for mutation. */
  readonly valid: fc.Arbitrary<Uint8Array>;
  /** For canonical decoders: the encoding of a decoded value, which must equal the input. */
  reencode?(value: unknown): Uint8Array;
  /** The largest input the layers below let through (random inputs stay within it). */
  readonly maxInput: number;
}

const latin1 = new TextDecoder('latin1');
const utf8 = new TextEncoder();

/** 'GetBlockHeaders' -> 'get-block-headers'. */
function kebab(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}

// ---- RLPx --------------------------------------------------------------------------------

const [RECIPIENT_KEY, INITIATOR_KEY] = [FUZZ_KEYS[0]!, FUZZ_KEYS[1]!];
const RECIPIENT_PUB = publicKeyOf(RECIPIENT_KEY);
const recipient = new RecipientHandshake(RECIPIENT_KEY);
// One initiator whose ack we read: valid acks are made by new recipients answering its auth.
const initiator = new InitiatorHandshake(INITIATOR_KEY, RECIPIENT_PUB);

/**
 * Reads one size-prefixed handshake packet as Session.readHandshakePacket does: the announced
 * size is checked first; an incomplete packet means "wait for more" (returns undefined).
 */
function handshakePacket(data: Uint8Array, read: (packet: Uint8Array) => unknown): unknown {
  const len = handshakePacketLength(data);
  if (len === undefined || data.length < len) return undefined;
  return read(data.subarray(0, len));
}

/** Fixed frame secrets, so a sealer and a fresh opener always agree (seal is deterministic). */
function frameSecrets(egress: number, ingress: number): HandshakeSecrets {
  return {
    aesSecret: new Uint8Array(32).fill(0x11),
    macSecret: new Uint8Array(32).fill(0x22),
    egressMacInit: new Uint8Array(64).fill(egress),
    ingressMacInit: new Uint8Array(64).fill(ingress),
    remotePublicKey: RECIPIENT_PUB,
  };
}
const newSealer = () => new FrameCodec(frameSecrets(0xa1, 0xb2));
const newOpener = () => new FrameCodec(frameSecrets(0xb2, 0xa1));

/**
 * Reads every complete frame in `data` as Session.process does (header MAC and size, then the
 * padded body and its MAC, then the message ID), optionally snappy-decoding each body. A
 * trailing partial frame is left unread, as the session waits for more bytes.
 */
export function readFrames(data: Uint8Array, snappy: boolean): { code: number; data: Uint8Array }[] {
  const opener = newOpener();
  const out: { code: number; data: Uint8Array }[] = [];
  let off = 0;
  while (data.length - off >= HEADER_LENGTH) {
    const size = opener.openHeader(data.subarray(off, off + HEADER_LENGTH));
    const need = paddedBodyLength(size);
    if (data.length - off - HEADER_LENGTH < need) break;
    const m = opener.openBody(data.slice(off + HEADER_LENGTH, off + HEADER_LENGTH + need), size);
    out.push(snappy ? { code: m.code, data: snappyUncompress(m.data) } : m);
    off += HEADER_LENGTH + need;
  }
  return out;
}

const frameMessagesArb = fc.array(fc.record({ code: fc.integer({ min: 0, max: 0x40 }), data: fc.uint8Array({ maxLength: 300 }) }), { minLength: 1, maxLength: 4 });

/** Seals messages as consecutive frames with the fixed frame secrets (what the frame targets read). */
export function sealAll(msgs: { code: number; data: Uint8Array }[], snappy: boolean): Uint8Array {
  const s = newSealer();
  const frames = msgs.map((m) => s.seal(m.code, snappy ? snappyCompress(m.data) : m.data));
  const out = new Uint8Array(frames.reduce((n, f) => n + f.length, 0));
  let off = 0;
  for (const f of frames) {
    out.set(f, off);
    off += f.length;
  }
  return out;
}

const rlpxTargets: FuzzTarget[] = [
  {
    name: 'rlpx-auth-packet',
    decode: (d) => handshakePacket(d, (p) => recipient.readAuth(p)),
    errors: [HandshakeError],
    valid: fc.constant(null).map(() => new InitiatorHandshake(INITIATOR_KEY, RECIPIENT_PUB).authPacket),
    maxInput: MAX_HANDSHAKE_PACKET + 16,
  },
  {
    name: 'rlpx-ack-packet',
    decode: (d) => handshakePacket(d, (p) => initiator.readAck(p)),
    errors: [HandshakeError],
    valid: fc.constant(null).map(() => new RecipientHandshake(RECIPIENT_KEY).readAuth(initiator.authPacket).ackPacket),
    maxInput: MAX_HANDSHAKE_PACKET + 16,
  },
  {
    name: 'rlpx-auth-body',
    decode: decodeAuthBody,
    errors: [DecodeError],
    valid: fc.tuple(fc.uint8Array({ minLength: 65, maxLength: 65 }), fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.nat(), fc.uint8Array({ maxLength: 200 })).map(([sig, nonce, v, pad]) =>
      Uint8Array.from([...rlpEncode([sig, publicKeyOf(INITIATOR_KEY), nonce, v]), ...pad]),
    ),
    maxInput: MAX_HANDSHAKE_PACKET,
  },
  {
    name: 'rlpx-ack-body',
    decode: decodeAckBody,
    errors: [DecodeError],
    valid: fc.tuple(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.nat(), fc.uint8Array({ maxLength: 200 })).map(([nonce, v, pad]) =>
      Uint8Array.from([...rlpEncode([publicKeyOf(INITIATOR_KEY), nonce, v]), ...pad]),
    ),
    maxInput: MAX_HANDSHAKE_PACKET,
  },
  {
    name: 'ecies',
    decode: (d) => eciesDecrypt(RECIPIENT_KEY, d),
    errors: [EciesError],
    valid: fc.uint8Array({ maxLength: 300 }).map((p) => eciesEncrypt(RECIPIENT_PUB, p)),
    maxInput: MAX_HANDSHAKE_PACKET,
  },
  {
    name: 'rlpx-frames',
    decode: (d) => readFrames(d, false),
    errors: [FrameError],
    valid: frameMessagesArb.map((m) => sealAll(m, false)),
    maxInput: 4096,
  },
  {
    name: 'rlpx-frames-snappy',
    decode: (d) => readFrames(d, true),
    errors: [FrameError],
    valid: frameMessagesArb.map((m) => sealAll(m, true)),
    maxInput: 4096,
  },
  {
    name: 'rlpx-message-id',
    decode: decodeMessageId,
    errors: [FrameError],
    valid: fc.tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.uint8Array({ maxLength: 4 })).map(([c, tail]) => Uint8Array.from([...encodeMessageId(c), ...tail])),
    maxInput: 64,
  },
  {
    name: 'snappy',
    decode: (d) => snappyUncompress(d),
    errors: [FrameError],
    valid: fc.oneof(fc.uint8Array({ maxLength: 400 }), fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 8 }), fc.integer({ min: 1, max: 200 })).map(([b, n]) => Uint8Array.from({ length: b.length * n }, (_, i) => b[i % b.length]!))).map(snappyCompress),
    maxInput: 4096,
  },
  {
    name: 'rlpx-hello',
    decode: decodeHello,
    errors: [DecodeError],
    valid: helloArb.map(encodeHello),
    maxInput: MAX_HELLO_SIZE + 64,
  },
  {
    name: 'rlpx-disconnect',
    decode: decodeDisconnect,
    errors: [DecodeError],
    valid: fc.oneof(fc.integer({ min: 0, max: 0x10 }).map(encodeDisconnect), fc.integer({ min: 1, max: 0x7f }).map((r) => Uint8Array.of(r))),
    maxInput: 64,
  },
];

// ---- discv4, ENR, enode URLs ----------------------------------------------------------------

const DISCV4_KEY = FUZZ_KEYS[2]!;

const discoveryTargets: FuzzTarget[] = [
  {
    name: 'discv4-packet',
    decode: (d) => decodePacket(d),
    errors: [PacketError],
    valid: discv4MessageArb.map((m) => {
      try {
        return encodePacket(m, DISCV4_KEY).packet;
      } catch {
        return encodePacket({ type: 5, expiration: 0n }, DISCV4_KEY).packet; // random tails made it too large
      }
    }),
    maxInput: MAX_PACKET_SIZE + 16,
  },
  {
    // The same decoder behind a valid hash and signature, so mutations reach the body decoders.
    name: 'discv4-body',
    decode: (d) => decodePacket(discv4Frame(d[0] ?? 0, d.subarray(1), DISCV4_KEY)),
    errors: [PacketError],
    valid: discv4MessageArb.map((m) => {
      try {
        return encodePacket(m, DISCV4_KEY).packet.subarray(97);
      } catch {
        return Uint8Array.of(5, 0xc1, 0x80);
      }
    }),
    maxInput: MAX_PACKET_SIZE - 97,
  },
  {
    name: 'enr',
    decode: decodeEnr,
    errors: [DecodeError],
    valid: enrArb.filter((e) => e !== undefined).map((e) => encodeEnr(e!)),
    reencode: (v) => encodeEnr(v as Parameters<typeof encodeEnr>[0]),
    maxInput: ENR_MAX_SIZE + 16,
  },
  {
    name: 'enr-text',
    decode: (d) => enrFromText(latin1.decode(d)),
    errors: [DecodeError],
    valid: enrArb.filter((e) => e !== undefined).map((e) => utf8.encode(enrToText(e!))),
    maxInput: 600,
  },
  {
    name: 'enode-url',
    decode: (d) => parseEnode(latin1.decode(d)),
    errors: [EnodeUrlError],
    valid: enodeArb.map((e) => utf8.encode(formatEnode(e))),
    maxInput: 400,
  },
];

// ---- DNS discovery (EIP-1459 TXT records) ----------------------------------------------------

/**
 * A TXT record as the resolver hands it over: a string. Records come from DNS (up to 64 KiB in
 * an answer over TCP); the texts of real entries are under 1 KiB.
 */
const DNS_MAX_INPUT = 4096;

const dnsTargets: FuzzTarget[] = [
  {
    name: 'dns-root',
    decode: (d) => parseRoot(latin1.decode(d)),
    errors: [DnsEntryError],
    valid: rootTextArb.map((t) => utf8.encode(t)),
    maxInput: DNS_MAX_INPUT,
  },
  {
    // Branch, ENR and link entries, through the dispatcher the client uses.
    name: 'dns-entry',
    decode: (d) => parseEntry(latin1.decode(d)),
    errors: [DnsEntryError, DnsBranchTooWideError],
    valid: entryTextArb.map((t) => utf8.encode(t)),
    maxInput: DNS_MAX_INPUT,
  },
  {
    // enrtree:// URLs from the command line and from link entries.
    name: 'dns-link',
    decode: (d) => parseLink(latin1.decode(d)),
    errors: [DnsEntryError],
    valid: linkTextArb.map((t) => utf8.encode(t)),
    maxInput: DNS_MAX_INPUT,
  },
];

// ---- eth and RLP ---------------------------------------------------------------------------

interface AnyCodec {
  encode(v: unknown): Uint8Array;
  decode(b: Uint8Array): unknown;
}

const ethTargets: FuzzTarget[] = [];
for (const version of ETH_VERSIONS) {
  const codecs = ETH_CODECS[version] as unknown as Record<string, AnyCodec>;
  const arbs = MESSAGE_ARBS[version] as Record<string, fc.Arbitrary<unknown>>;
  for (const name of Object.keys(codecs)) {
    const codec = codecs[name]!;
    ethTargets.push({
      name: `eth${version}-${kebab(name)}`,
      decode: codec.decode,
      errors: [DecodeError],
      valid: arbs[name]!.map((v) => codec.encode(v)),
      reencode: codec.encode,
      maxInput: MAX_MESSAGE_SIZE,
    });
  }
}
ethTargets.push(
  { name: 'eth-block-header', decode: decodeHeader, errors: [DecodeError], valid: headerArb.map((h) => h.raw), reencode: (h) => (h as { raw: Uint8Array }).raw, maxInput: MAX_MESSAGE_SIZE },
  {
    name: 'eth-block-header-records',
    decode: decodeBlockHeaderRecords,
    errors: [DecodeError],
    valid: MESSAGE_ARBS[69].BlockHeaders.map(encodeBlockHeaders),
    reencode: (m) => encodeBlockHeaders(m as Parameters<typeof encodeBlockHeaders>[0]),
    maxInput: MAX_MESSAGE_SIZE,
  },
  { name: 'eth-fork-id', decode: decodeForkId, errors: [DecodeError], valid: forkIdArb.map(encodeForkId), reencode: (v) => encodeForkId(v as Parameters<typeof encodeForkId>[0]), maxInput: 64 },
  { name: 'eth-transaction', decode: transactionFromRaw, errors: [DecodeError], valid: txArb.map((t) => t.raw), reencode: (t) => (t as { raw: Uint8Array }).raw, maxInput: MAX_MESSAGE_SIZE },
  {
    name: 'eth-request-id-envelope',
    decode: (d) => decodeRequestIdEnvelope(d),
    errors: [DecodeError],
    valid: fc.tuple(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), rlpValue).map(([id, v]) => rlpEncode([id, v])),
    maxInput: MAX_MESSAGE_SIZE,
  },
  {
    name: 'rlp-reader',
    decode: (d) => {
      const r = RlpReader.over(d, 'fuzz');
      const raw = r.raw('item');
      r.done();
      return raw;
    },
    errors: [DecodeError],
    valid: rlpValue.map((v) => rlpEncode(v)),
    reencode: (v) => v as Uint8Array,
    maxInput: MAX_MESSAGE_SIZE,
  },
  {
    // The generic decoder behind Hello, auth/ack, discv4 and ENR (inputs of at most 2 KiB there).
    name: 'rlp',
    decode: (d) => rlpDecode(d, 'fuzz'),
    errors: [DecodeError],
    valid: smallRlpArb.map((v) => rlpEncode(v)),
    reencode: (v) => rlpEncode(v as Parameters<typeof rlpEncode>[0]),
    maxInput: MAX_HANDSHAKE_PACKET,
  },
);

// ---- snap ------------------------------------------------------------------------------------

const snapTargets: FuzzTarget[] = (Object.keys(SNAP_CODECS) as SnapMessageName[]).map((name) => {
  const codec = SNAP_CODECS[name] as unknown as AnyCodec;
  return {
    name: `snap-${kebab(name)}`,
    decode: codec.decode,
    errors: [DecodeError],
    valid: (SNAP_MESSAGE_ARBS[name] as fc.Arbitrary<unknown>).map((v) => codec.encode(v)),
    reencode: codec.encode,
    maxInput: SNAP_MAX_MESSAGE_SIZE,
  };
});

/** Every target, by name order of layers: RLPx, discovery, DNS discovery, eth, snap. */
export const FUZZ_TARGETS: readonly FuzzTarget[] = [...rlpxTargets, ...discoveryTargets, ...discv5Targets, ...dnsTargets, ...ethTargets, ...snapTargets];

/** The target called `name`; throws for an unknown name (a corpus directory without a target). */
export function fuzzTarget(name: string): FuzzTarget {
  const t = FUZZ_TARGETS.find((x) => x.name === name);
  if (!t) throw new Error(`unknown fuzz target ${name}`);
  return t;
}

/** How one input fared against a target. */
export type Outcome =
  | { kind: 'ok'; value: unknown }
  | { kind: 'typed-error'; error: Error }
  | { kind: 'bug'; error: unknown; why: string };

/**
 * Runs one input: a decoded value (checked against `reencode` where the target has one), a
 * typed error, or a bug (an untyped exception, or a canonical decoder accepting bytes it
 * would not produce).
 */
export function runInput(t: FuzzTarget, data: Uint8Array): Outcome {
  let value: unknown;
  try {
    value = t.decode(data);
  } catch (error) {
    if (t.errors.some((c) => error instanceof c)) return { kind: 'typed-error', error: error as Error };
    const e = error as Error | undefined;
    return { kind: 'bug', error, why: `untyped ${e?.name ?? typeof error}: ${e?.message ?? String(error)}` };
  }
  if (t.reencode && value !== undefined) {
    let back: Uint8Array;
    try {
      back = t.reencode(value);
    } catch (error) {
      return { kind: 'bug', error, why: `decoded value does not re-encode: ${(error as Error).message}` };
    }
    if (!equal(back, data)) return { kind: 'bug', error: undefined, why: 'decoded value re-encodes to other bytes (non-canonical input accepted)' };
  }
  return { kind: 'ok', value };
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
