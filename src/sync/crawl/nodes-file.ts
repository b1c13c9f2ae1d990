/**
 * The crawl's nodes file: geth's `devp2p` nodes.json (cmd/devp2p/nodeset.go), a JSON object
 * keyed by node ID (hex) whose entries hold `seq`, `record`, `score`, `firstResponse`,
 * `lastResponse` and `lastCheck`, extended with what an RLPx crawl learns (endpoint, sightings,
 * Hello, eth Status, last error). geth's tools read the geth fields and ignore the others.
 *
 * `record` is the node's ENR text (`enr:...`) when we have one, else its enode URL (geth parses
 * both). Times are RFC 3339 strings, big numbers decimal strings, bytes 0x-hex.
 *
 * Writes are atomic: a temporary file in the same directory, fsync, then rename over the target,
 * so a crash leaves the previous file or the new one, never half of one.
 */
import { open, readFile, rename, rm } from 'node:fs/promises';
import { bytesToHex, hexToBytes } from '../../common/bytes.js';
import { randomBytes } from '../../crypto/random.js';
import { type DiscNode, nodeFromEnode, nodeFromEnr, nodeToEnode, withEnr } from '../../discv4/node.js';
import { enrFromText, enrToText } from '../../enode/enr.js';
import { isEthVersion } from '../../eth/protocol.js';
import type { EthHandshakeFailure } from '../../eth/errors.js';
import type { CrawledNode } from './crawled-node.js';
import type { CheckError, CheckErrorKind, CheckPhase, HelloInfo } from './node-check.js';

/** Why a nodes file could not be loaded. */
export type NodesFileFailure = 'read' | 'parse' | 'shape';

/** A nodes file that cannot be read, is not JSON, or does not have the nodes-file shape. */
export class NodesFileError extends Error {
  constructor(
    readonly path: string,
    readonly reason: NodesFileFailure,
    detail: string,
    /** The entry at fault, for 'shape'. */
    readonly nodeId?: string,
    options?: { cause?: unknown },
  ) {
    super(`nodes file ${path}: ${reason === 'read' ? 'cannot read' : reason === 'parse' ? 'not valid JSON' : 'bad entry'}${nodeId ? ` ${nodeId.slice(0, 16)}` : ''}: ${detail}`, options);
    this.name = 'NodesFileError';
  }
}

/** The crawl's node set, keyed by node ID hex. */
export type NodeSet = Map<string, CrawledNode>;

/** One entry of the file. The first six fields are geth's. */
export interface NodeJson {
  seq: number;
  record: string;
  score?: number;
  firstResponse?: string;
  lastResponse?: string;
  lastCheck?: string;
  enode?: string;
  firstSeen?: string;
  lastSeen?: string;
  hello?: HelloInfo;
  eth?: {
    version: number;
    networkId: string;
    genesis: string;
    forkId: { hash: string; next: string };
    head?: { hash: string; td: string };
    blockRange?: { earliest: string; latest: string; latestHash: string };
    mismatch?: { reason: string; message: string };
    at: string;
  };
  lastError?: CheckError;
}

/** The file's JSON object for `nodes`, entries sorted by ID (stable diffs, as geth). */
export function nodesToJson(nodes: Iterable<CrawledNode>): Record<string, NodeJson> {
  const sorted = [...nodes].sort((a, b) => (a.node.idHex < b.node.idHex ? -1 : a.node.idHex > b.node.idHex ? 1 : 0));
  const out: Record<string, NodeJson> = {};
  for (const r of sorted) out[r.node.idHex] = nodeToJson(r);
  return out;
}

function nodeToJson(r: CrawledNode): NodeJson {
  const enr = r.node.enr;
  const j: NodeJson = { seq: enr ? Number(enr.seq) : 0, record: enr ? enrToText(enr) : nodeToEnode(r.node), score: r.score };
  if (r.firstResponse !== undefined) j.firstResponse = iso(r.firstResponse);
  if (r.lastResponse !== undefined) j.lastResponse = iso(r.lastResponse);
  if (r.lastCheck !== undefined) j.lastCheck = iso(r.lastCheck);
  j.enode = nodeToEnode(r.node);
  j.firstSeen = iso(r.firstSeen);
  j.lastSeen = iso(r.lastSeen);
  if (r.hello) j.hello = r.hello;
  const s = r.status;
  if (s) {
    j.eth = {
      version: s.version,
      networkId: s.networkId.toString(),
      genesis: hex(s.genesis),
      forkId: { hash: hex(s.forkId.hash), next: s.forkId.next.toString() },
      ...(s.head ? { head: { hash: hex(s.head.hash), td: s.head.td.toString() } } : {}),
      ...(s.blockRange ? { blockRange: { earliest: s.blockRange.earliest.toString(), latest: s.blockRange.latest.toString(), latestHash: hex(s.blockRange.latestHash) } } : {}),
      ...(s.mismatch ? { mismatch: s.mismatch } : {}),
      at: iso(s.at),
    };
  }
  if (r.lastError) j.lastError = r.lastError;
  return j;
}

/** Parses the file's JSON text; throws {@link NodesFileError} ('parse' or 'shape'). */
export function parseNodesJson(text: string, path = '<nodes>'): NodeSet {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new NodesFileError(path, 'parse', (err as Error).message, undefined, { cause: err });
  }
  if (!isObject(doc)) throw new NodesFileError(path, 'shape', 'the top level must be an object keyed by node ID');
  const nodes: NodeSet = new Map();
  for (const [id, v] of Object.entries(doc)) {
    try {
      nodes.set(id, nodeFromJson(id, v));
    } catch (err) {
      throw new NodesFileError(path, 'shape', (err as Error).message, id, { cause: err });
    }
  }
  return nodes;
}

/**
 * Loads a nodes file. A missing file is an empty set (a first run); an unreadable, non-JSON or
 * malformed one throws {@link NodesFileError}.
 */
export async function loadNodesFile(path: string): Promise<NodeSet> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw new NodesFileError(path, 'read', (err as NodeJS.ErrnoException).code ?? (err as Error).message, undefined, { cause: err });
  }
  return parseNodesJson(text, path);
}

/** Writes `nodes` to `path` atomically (temporary file, fsync, rename). */
export async function saveNodesFile(path: string, nodes: Iterable<CrawledNode>): Promise<void> {
  const text = JSON.stringify(nodesToJson(nodes), null, 4) + '\n';
  const tmp = `${path}.tmp-${process.pid}-${bytesToHex(randomBytes(4))}`;
  const fh = await open(tmp, 'w', 0o644);
  try {
    await fh.writeFile(text, 'utf8');
    await fh.sync();
  } catch (err) {
    await fh.close();
    await rm(tmp, { force: true });
    throw err;
  }
  await fh.close();
  try {
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

// ---- reading one entry ---------------------------------------------------------------------

const ERROR_KINDS: readonly CheckErrorKind[] = ['timeout', 'refused', 'unreachable', 'handshake', 'closed', 'too-many-peers', 'useless-peer', 'disconnected', 'protocol', 'no-tcp'];
const PHASES: readonly CheckPhase[] = ['dial', 'rlpx', 'status'];

function nodeFromJson(id: string, v: unknown): CrawledNode {
  if (!/^[0-9a-f]{64}$/.test(id)) throw new Error('the key must be a 64-hex node ID');
  if (!isObject(v)) throw new Error('the entry must be an object');
  const record = v['record'];
  if (typeof record !== 'string') throw new Error('"record" must be an ENR or enode URL string');
  let node: DiscNode | undefined;
  if (record.startsWith('enr:')) {
    const enr = enrFromText(record);
    node = nodeFromEnr(enr);
    // A record without an IP endpoint: take the endpoint from the enode field.
    if (!node && typeof v['enode'] === 'string') node = withEnr(nodeFromEnode(v['enode']), enr);
    if (!node) throw new Error('the record has no endpoint and there is no "enode"');
  } else {
    node = nodeFromEnode(typeof v['enode'] === 'string' ? v['enode'] : record);
  }
  if (node.idHex !== id) throw new Error(`the record belongs to node ${node.idHex.slice(0, 16)}`);
  const lastCheck = optTime(v, 'lastCheck');
  const lastResponse = optTime(v, 'lastResponse');
  const firstResponse = optTime(v, 'firstResponse');
  // geth's files have no sighting times: the earliest time they do have stands in.
  const fallback = firstResponse ?? lastCheck ?? Date.now();
  const rec: CrawledNode = {
    node,
    score: optNumber(v, 'score') ?? 0,
    firstSeen: optTime(v, 'firstSeen') ?? fallback,
    lastSeen: optTime(v, 'lastSeen') ?? lastResponse ?? fallback,
  };
  if (lastCheck !== undefined) rec.lastCheck = lastCheck;
  if (firstResponse !== undefined) rec.firstResponse = firstResponse;
  if (lastResponse !== undefined) rec.lastResponse = lastResponse;
  if (v['hello'] !== undefined) rec.hello = helloFromJson(v['hello']);
  if (v['eth'] !== undefined) rec.status = ethFromJson(v['eth']);
  if (v['lastError'] !== undefined) rec.lastError = errorFromJson(v['lastError']);
  return rec;
}

function helloFromJson(v: unknown): HelloInfo {
  if (!isObject(v) || typeof v['clientId'] !== 'string' || !Array.isArray(v['capabilities'])) throw new Error('"hello" must have clientId and capabilities');
  const caps = v['capabilities'].map((c: unknown) => {
    if (!isObject(c) || typeof c['name'] !== 'string' || typeof c['version'] !== 'number') throw new Error('"hello.capabilities" entries must be {name, version}');
    return { name: c['name'], version: c['version'] };
  });
  return { clientId: v['clientId'], protocolVersion: num(v, 'protocolVersion', 'hello'), capabilities: caps, listenPort: num(v, 'listenPort', 'hello') };
}

function ethFromJson(v: unknown): NonNullable<CrawledNode['status']> {
  if (!isObject(v)) throw new Error('"eth" must be an object');
  const version = num(v, 'version', 'eth');
  if (!isEthVersion(version)) throw new Error(`"eth.version" ${version} is not 68, 69 or 70`);
  const fork = v['forkId'];
  if (!isObject(fork)) throw new Error('"eth.forkId" must be an object');
  const at = optTime(v, 'at');
  if (at === undefined) throw new Error('"eth.at" is missing');
  const s: NonNullable<CrawledNode['status']> = {
    version,
    networkId: big(v['networkId'], 'eth.networkId'),
    genesis: bytes(v['genesis'], 'eth.genesis'),
    forkId: { hash: bytes(fork['hash'], 'eth.forkId.hash'), next: big(fork['next'], 'eth.forkId.next') },
    at,
  };
  const head = v['head'];
  if (head !== undefined) {
    if (!isObject(head)) throw new Error('"eth.head" must be an object');
    s.head = { hash: bytes(head['hash'], 'eth.head.hash'), td: big(head['td'], 'eth.head.td') };
  }
  const range = v['blockRange'];
  if (range !== undefined) {
    if (!isObject(range)) throw new Error('"eth.blockRange" must be an object');
    s.blockRange = { earliest: big(range['earliest'], 'eth.blockRange.earliest'), latest: big(range['latest'], 'eth.blockRange.latest'), latestHash: bytes(range['latestHash'], 'eth.blockRange.latestHash') };
  }
  const mm = v['mismatch'];
  if (mm !== undefined) {
    if (!isObject(mm) || typeof mm['reason'] !== 'string' || typeof mm['message'] !== 'string') throw new Error('"eth.mismatch" must be {reason, message}');
    s.mismatch = { reason: mm['reason'] as EthHandshakeFailure, message: mm['message'] };
  }
  return s;
}

function errorFromJson(v: unknown): CheckError {
  if (!isObject(v)) throw new Error('"lastError" must be an object');
  const kind = v['kind'];
  const phase = v['phase'];
  if (typeof kind !== 'string' || !ERROR_KINDS.includes(kind as CheckErrorKind)) throw new Error(`"lastError.kind" ${JSON.stringify(kind)} is unknown`);
  if (typeof phase !== 'string' || !PHASES.includes(phase as CheckPhase)) throw new Error(`"lastError.phase" ${JSON.stringify(phase)} is unknown`);
  const e: CheckError = { kind: kind as CheckErrorKind, phase: phase as CheckPhase, message: typeof v['message'] === 'string' ? v['message'] : '' };
  if (typeof v['disconnectReason'] === 'number') e.disconnectReason = v['disconnectReason'];
  if (typeof v['remoteDisconnect'] === 'boolean') e.remoteDisconnect = v['remoteDisconnect'];
  return e;
}

// ---- small helpers -------------------------------------------------------------------------

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const iso = (ms: number): string => new Date(ms).toISOString();
const hex = (b: Uint8Array): string => `0x${bytesToHex(b)}`;

function optTime(v: Record<string, unknown>, key: string): number | undefined {
  const x = v[key];
  if (x === undefined || x === null) return undefined;
  // geth writes the zero time for "never" when a field is not omitted.
  if (typeof x === 'string' && x.startsWith('0001-01-01')) return undefined;
  const ms = typeof x === 'string' ? Date.parse(x) : NaN;
  if (!Number.isFinite(ms)) throw new Error(`"${key}" must be an RFC 3339 time`);
  return ms;
}

function optNumber(v: Record<string, unknown>, key: string): number | undefined {
  const x = v[key];
  if (x === undefined) return undefined;
  if (typeof x !== 'number' || !Number.isFinite(x)) throw new Error(`"${key}" must be a number`);
  return x;
}

function num(v: Record<string, unknown>, key: string, where: string): number {
  const x = v[key];
  if (typeof x !== 'number' || !Number.isInteger(x)) throw new Error(`"${where}.${key}" must be an integer`);
  return x;
}

function big(x: unknown, field: string): bigint {
  if (typeof x === 'string' && /^(0x[0-9a-fA-F]+|\d+)$/.test(x)) return BigInt(x);
  if (typeof x === 'number' && Number.isSafeInteger(x) && x >= 0) return BigInt(x);
  throw new Error(`"${field}" must be a non-negative integer (decimal string)`);
}

function bytes(x: unknown, field: string): Uint8Array {
  if (typeof x !== 'string') throw new Error(`"${field}" must be a hex string`);
  try {
    return hexToBytes(x);
  } catch {
    throw new Error(`"${field}" must be a hex string`);
  }
}
