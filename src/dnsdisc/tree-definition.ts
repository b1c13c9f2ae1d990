/**
 * geth's tree directory (cmd/devp2p/dnscmd.go, the "definition" format), what `dns sign`,
 * `dns to-txt` and `dns sync` read and write:
 *
 *   enrtree-info.json  {"url", "seq", "signature", "links", "lastModified"}
 *   nodes.json         {"<node id hex>": {"seq", "record": "enr:...", ...}, ...}  (geth's nodes set)
 *
 * and the TXT records file (`to-txt`): a JSON object of name -> record text, keys sorted. All
 * JSON is written as geth writes it (4-space indent, Go's escapes), so outputs compare equal.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { bytesToHex, compareBytes } from '../common/bytes.js';
import { type Enr, enrFromText, enrToText } from '../enode/enr.js';
import { parseLink } from './entries.js';
import { goJsonIndent, type GoJsonValue } from './go-json.js';
import { DnsTree, makeTree } from './tree.js';

/** The metadata file of a tree directory. */
export const TREE_INFO_FILE = 'enrtree-info.json';
/** The nodes file of a tree directory. */
export const TREE_NODES_FILE = 'nodes.json';
/** geth's jsonIndent. */
const JSON_INDENT = '    ';
/** What geth writes for the times it does not know (Go's zero time.Time). */
const GO_ZERO_TIME = '0001-01-01T00:00:00Z';

/** A tree directory (or TXT file) that cannot be read, parsed, or does not check out. */
export class TreeDefinitionError extends Error {
  constructor(
    readonly path: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`${path}: ${detail}`, options);
    this.name = 'TreeDefinitionError';
  }
}

/** enrtree-info.json. */
export interface TreeMeta {
  /** The tree's enrtree:// URL (set by signing). */
  url?: string;
  seq: bigint;
  /** Base64url root signature (set by signing). */
  signature?: string;
  /** enrtree:// URLs of linked trees. */
  links: string[];
  /** RFC 3339 time of the last change. */
  lastModified?: string;
}

/** A tree directory's contents. */
export interface TreeDefinition {
  meta: TreeMeta;
  /** The records of nodes.json, sorted by node ID. */
  records: Enr[];
}

/** Reads a tree directory; a missing enrtree-info.json is an empty one, as in geth. */
export async function loadTreeDefinition(dir: string): Promise<TreeDefinition> {
  const infoPath = join(dir, TREE_INFO_FILE);
  let meta: TreeMeta = { seq: 0n, links: [] };
  const infoText = await readText(infoPath, true);
  if (infoText !== undefined) meta = parseMeta(infoPath, infoText);
  const nodesPath = join(dir, TREE_NODES_FILE);
  const records = parseNodes(nodesPath, (await readText(nodesPath, false))!);
  return { meta, records };
}

/**
 * The signed tree of a directory, for export (geth's loadTreeDefinitionForExport): its url
 * gives the domain and key, and its signature must verify over the tree rebuilt from its nodes
 * and links.
 */
export async function loadSignedTree(dir: string): Promise<{ domain: string; tree: DnsTree }> {
  const def = await loadTreeDefinition(dir);
  const infoPath = join(dir, TREE_INFO_FILE);
  if (!def.meta.url) throw new TreeDefinitionError(infoPath, "missing 'url' field");
  let link;
  try {
    link = parseLink(def.meta.url);
  } catch (err) {
    throw new TreeDefinitionError(infoPath, `invalid 'url' field: ${(err as Error).message}`, { cause: err });
  }
  const tree = makeTree(def.meta.seq, def.records, def.meta.links);
  if (!def.meta.signature) throw new TreeDefinitionError(infoPath, "missing signature, run 'dns sign' first");
  try {
    return { domain: link.domain, tree: tree.withSignature(link.publicKey, def.meta.signature, link.domain) };
  } catch (err) {
    throw new TreeDefinitionError(infoPath, "invalid signature on tree, run 'dns sign' to update it", { cause: err });
  }
}

/** The metadata of a signed tree (geth's treeToDefinition). */
export function treeMeta(url: string, tree: DnsTree, lastModified: Date): TreeMeta {
  return { url, seq: tree.seq, signature: tree.signature, links: tree.links(), lastModified: lastModified.toISOString() };
}

/** Writes enrtree-info.json (creating the directory), as geth's writeTreeMetadata. */
export async function writeTreeMeta(dir: string, meta: TreeMeta): Promise<void> {
  const obj: Record<string, GoJsonValue> = {};
  if (meta.url) obj.url = meta.url;
  obj.seq = meta.seq;
  if (meta.signature) obj.signature = meta.signature;
  obj.links = meta.links;
  obj.lastModified = meta.lastModified ?? GO_ZERO_TIME;
  await mkdir(dir, { recursive: true, mode: 0o744 });
  await writeFile(join(dir, TREE_INFO_FILE), goJsonIndent(obj, JSON_INDENT));
}

/** Writes nodes.json holding `records`, as geth's writeTreeNodes (a fresh node set). */
export async function writeTreeNodes(dir: string, records: readonly Enr[]): Promise<void> {
  const sorted = [...records].sort((a, b) => compareBytes(a.nodeId, b.nodeId));
  const obj: Record<string, GoJsonValue> = {};
  for (const r of sorted) {
    // geth's nodeJSON: score 0 is omitted; zero times are not (omitempty does not apply to structs).
    obj[bytesToHex(r.nodeId)] = { seq: r.seq, record: enrToText(r), firstResponse: GO_ZERO_TIME, lastResponse: GO_ZERO_TIME, lastCheck: GO_ZERO_TIME };
  }
  await mkdir(dir, { recursive: true, mode: 0o744 });
  await writeFile(join(dir, TREE_NODES_FILE), goJsonIndent(obj, JSON_INDENT));
}

/** The TXT records file: names sorted (Go sorts map keys), geth's indent. No trailing newline. */
export function txtRecordsJson(records: ReadonlyMap<string, string>): string {
  const obj: Record<string, string> = {};
  for (const k of [...records.keys()].sort(cmp)) obj[k] = records.get(k)!;
  return goJsonIndent(obj, JSON_INDENT);
}

/** Parses a TXT records file back into name -> text. */
export function parseTxtRecordsJson(path: string, text: string): Map<string, string> {
  const doc = parseJson(path, text);
  if (!isObject(doc)) throw new TreeDefinitionError(path, 'expected an object of name -> TXT record');
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(doc)) {
    if (typeof v !== 'string') throw new TreeDefinitionError(path, `record ${JSON.stringify(k)} is not a string`);
    out.set(k, v);
  }
  return out;
}

function parseMeta(path: string, text: string): TreeMeta {
  const doc = parseJson(path, text);
  if (!isObject(doc)) throw new TreeDefinitionError(path, 'expected a JSON object');
  const meta: TreeMeta = { seq: 0n, links: [] };
  const { url, seq, signature, links, lastModified } = doc;
  if (url !== undefined && url !== null) {
    if (typeof url !== 'string') throw new TreeDefinitionError(path, "'url' must be a string");
    if (url) meta.url = url;
  }
  if (seq !== undefined && seq !== null) {
    if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0) throw new TreeDefinitionError(path, "'seq' must be a non-negative integer");
    meta.seq = BigInt(seq);
  }
  if (signature !== undefined && signature !== null) {
    if (typeof signature !== 'string') throw new TreeDefinitionError(path, "'signature' must be a string");
    if (signature) meta.signature = signature;
  }
  if (links !== undefined && links !== null) {
    if (!Array.isArray(links) || links.some((l) => typeof l !== 'string')) throw new TreeDefinitionError(path, "'links' must be an array of enrtree:// URLs");
    for (const l of links as string[]) {
      try {
        parseLink(l);
      } catch (err) {
        throw new TreeDefinitionError(path, `invalid link ${JSON.stringify(l)}: ${(err as Error).message}`, { cause: err });
      }
    }
    meta.links = links as string[];
  }
  if (typeof lastModified === 'string') meta.lastModified = lastModified;
  return meta;
}

/** nodes.json: each entry's record must be a valid ENR whose ID and seq match the entry (geth's nodeSet.verify). */
function parseNodes(path: string, text: string): Enr[] {
  const doc = parseJson(path, text);
  if (!isObject(doc)) throw new TreeDefinitionError(path, 'expected an object keyed by node ID');
  const records: Enr[] = [];
  for (const [id, v] of Object.entries(doc)) {
    const at = `node ${id.slice(0, 16)}`;
    if (!isObject(v) || typeof v.record !== 'string') throw new TreeDefinitionError(path, `${at}: missing "record"`);
    let enr: Enr;
    try {
      enr = enrFromText(v.record);
    } catch (err) {
      throw new TreeDefinitionError(path, `${at}: "record" is not a valid ENR: ${(err as Error).message}`, { cause: err });
    }
    if (bytesToHex(enr.nodeId) !== id.toLowerCase()) throw new TreeDefinitionError(path, `invalid node ${id}: ID does not match ID ${bytesToHex(enr.nodeId)} in record`);
    const seq = v.seq ?? 0;
    // JSON numbers are doubles: a seq above 2^53 compares as its nearest double, on both sides.
    if (typeof seq !== 'number' || seq !== Number(enr.seq)) {
      throw new TreeDefinitionError(path, `invalid node ${id}: 'seq' does not match seq ${enr.seq} from record`);
    }
    records.push(enr);
  }
  return records.sort((a, b) => compareBytes(a.nodeId, b.nodeId));
}

async function readText(path: string, optional: boolean): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (optional && code === 'ENOENT') return undefined;
    throw new TreeDefinitionError(path, `cannot read: ${code ?? (err as Error).message}`, { cause: err });
  }
}

function parseJson(path: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new TreeDefinitionError(path, `not valid JSON: ${(err as Error).message}`, { cause: err });
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
