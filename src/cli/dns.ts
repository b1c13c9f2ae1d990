/**
 * `devp2p-ts dns ...`: DNS discovery trees (EIP-1459), as geth's `devp2p dns` commands
 * (cmd/devp2p/dnscmd.go): download a tree into a tree directory, sign a tree directory, and
 * write its TXT records. The tree directory and TXT JSON are geth's formats, byte for byte.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { NodeKeyError, parseNodeKey } from '../enode/key.js';
import { DNS_LOOKUP_TIMEOUT_MS, DNS_RATE_LIMIT, DnsClient } from '../dnsdisc/client.js';
import { DnsEntryError } from '../dnsdisc/errors.js';
import { decryptKeystore, isKeystoreText } from '../dnsdisc/keystore.js';
import { SystemTxtResolver } from '../dnsdisc/resolver.js';
import { loadSignedTree, loadTreeDefinition, treeMeta, txtRecordsJson, writeTreeMeta, writeTreeNodes } from '../dnsdisc/tree-definition.js';
import { type LinkEntry, parseLink } from '../dnsdisc/entries.js';
import { makeTree } from '../dnsdisc/tree.js';
import { defineCommand, parseCommand } from './command.js';
import type { Group } from './command-tree.js';
import { formatDuration, MIN_TIMEOUT_MS, parseDurationFlag } from './duration.js';
import { jsonLine, UsageError } from './output.js';
import { echoInput } from './common-options.js';
import { readPassword } from './password.js';

/** Where command output goes (tests capture it; the CLI writes to stdout/stderr). */
export interface DnsIo {
  out: (text: string) => void;
  err: (text: string) => void;
}
const stdio: DnsIo = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };

/** The most lookups per second --rate accepts (0 turns the limit off). */
export const MAX_DNS_SYNC_RATE = 100_000;
/** The highest --seq (a root's seq is a uint64, but JSON numbers stay exact to 2^53). */
const MAX_SEQ = Number.MAX_SAFE_INTEGER;

const EXAMPLE_URL = 'enrtree://AKA3AM6LPBYEUDMVNU3BSVQJ5AD45Y7YPOHJLEF6W26QOE4VTUDPE@all.mainnet.ethdisco.net';

const SYNC = defineCommand({
  name: 'dns sync',
  args: '<enrtree-url> [DIR]',
  argsName: 'an enrtree:// URL',
  positionals: [1, 2],
  summary: 'download a DNS discovery tree (EIP-1459) into a tree directory',
  description: "Checks the root signature and every entry hash; writes DIR/enrtree-info.json and DIR/nodes.json as geth does (DIR: default the tree's domain).",
  flags: {
    timeout: { type: 'string', value: 'DURATION', help: 'timeout of each DNS lookup: 500ms, 5s (a bare number is milliseconds)', default: formatDuration(DNS_LOOKUP_TIMEOUT_MS) },
    rate: { type: 'string', value: 'N', help: `DNS lookups per second, as geth's client (0-${MAX_DNS_SYNC_RATE}; 0 for no limit)`, default: String(DNS_RATE_LIMIT) },
    server: { type: 'string', value: 'IP[:PORT]', help: 'DNS server to ask; repeat for more', defaultText: "the system's (/etc/resolv.conf)", multiple: true },
    json: { type: 'boolean', help: 'print one JSON object (errors too)' },
  },
  examples: [`devp2p-ts dns sync ${EXAMPLE_URL} mainnet-tree`, `devp2p-ts dns sync ${EXAMPLE_URL} --server 127.0.0.1:5353 --rate 0`],
});

const SIGN = defineCommand({
  name: 'dns sign',
  args: '<tree-dir> <key-file>',
  argsName: 'a tree directory and a key file',
  positionals: [2, 2],
  summary: "sign a tree directory with a key (geth keystore or nodekey); print the tree's enrtree:// URL",
  description:
    'Writes the url, seq and signature into the enrtree-info.json beside its nodes.json. ' +
    "The key file is a geth keystore (its password from --password, else asked on the terminal or read from stdin) or a nodekey file (64 hex characters). " +
    'The domain is --domain, else the one of the url already in enrtree-info.json, else the directory name; seq is --seq, else the old one plus 1.',
  flags: {
    domain: { type: 'string', value: 'NAME', help: 'domain name of the tree', defaultText: "the url's domain, else the directory name" },
    seq: { type: 'string', value: 'N', help: `sequence number of the tree (0-${MAX_SEQ})`, defaultText: 'the current seq + 1' },
    password: { type: 'string', value: 'FILE', help: 'file whose first line is the keystore password' },
    json: { type: 'boolean', help: 'print one JSON object (errors too)' },
  },
  examples: ['devp2p-ts dns sign ./nodes.example.org signer.json --password pw.txt'],
});

const TO_TXT = defineCommand({
  name: 'dns to-txt',
  args: '<tree-dir> [OUT]',
  argsName: 'a tree directory',
  positionals: [1, 2],
  summary: 'print the DNS TXT records of a signed tree directory as JSON (name -> record)',
  description: "The same JSON as geth's dns to-txt; written to OUT when given.",
  flags: { json: { type: 'boolean', help: 'report errors as one JSON object (the records are JSON already)' } },
  examples: ['devp2p-ts dns to-txt ./nodes.example.org records.json'],
});

export async function dnsSync(args: string[], io: DnsIo = stdio): Promise<void> {
  const { values, positionals } = parseCommand(SYNC, args);
  const url = positionals[0]!;
  const { domain } = parseTreeUrlArg(url);
  const timeoutMs = parseDurationFlag('timeout', values.timeout, MIN_TIMEOUT_MS);
  const rate = parseRate(values.rate);
  const resolver = resolverForServers('server', values.server);
  const client = new DnsClient({ resolver, timeoutMs, rateLimit: rate === 0 ? Infinity : rate });
  const dir = positionals[1] ?? domain;
  try {
    const tree = await client.syncTree(url);
    await writeTreeMeta(dir, treeMeta(url, tree, new Date()));
    await writeTreeNodes(dir, tree.records());
    const summary = { dir, url, seq: tree.seq, nodes: tree.records().length, links: tree.links().length, lookups: client.stats.lookups };
    if (values.json) io.out(jsonLine(summary));
    else io.out(`wrote ${dir}: ${summary.nodes} nodes, ${summary.links} links, seq ${summary.seq} (${summary.lookups} lookups)\n`);
  } finally {
    client.close();
  }
}

export async function dnsSign(args: string[], io: DnsIo = stdio): Promise<void> {
  const { values, positionals } = parseCommand(SIGN, args);
  const [dir, keyFile] = positionals as [string, string];
  let seq: bigint | undefined;
  if (values.seq !== undefined) {
    if (!/^\d+$/.test(values.seq) || Number(values.seq) > MAX_SEQ) throw new UsageError(`--seq must be an integer between 0 and ${MAX_SEQ}, got "${values.seq}"`);
    seq = BigInt(values.seq);
  }
  const def = await loadTreeDefinition(dir);
  let domain = basename(resolve(dir));
  if (def.meta.url) domain = parseLink(def.meta.url).domain;
  if (values.domain !== undefined) domain = values.domain;
  const key = await loadSigningKey(keyFile, values.password, io);
  const { tree, url } = makeTree(seq ?? def.meta.seq + 1n, def.records, def.meta.links).sign(key, domain);
  await writeTreeMeta(dir, treeMeta(url, tree, new Date()));
  if (values.json) io.out(jsonLine({ url, seq: tree.seq, signature: tree.signature, nodes: def.records.length, links: def.meta.links.length }));
  else io.out(`${url}\n`);
}

export async function dnsToTxt(args: string[], io: DnsIo = stdio): Promise<void> {
  const { positionals } = parseCommand(TO_TXT, args);
  const [dir, out] = positionals as [string, string | undefined];
  const { domain, tree } = await loadSignedTree(dir);
  const json = txtRecordsJson(tree.toTxt(domain));
  // As geth: stdout gets a final newline, a file does not.
  if (out === undefined || out === '-') io.out(json + '\n');
  else await writeFile(out, json);
}

/** An enrtree:// URL given on the command line (`flag` names it in errors; else it is an argument). */
export function parseTreeUrlArg(text: string, flag?: string): LinkEntry {
  try {
    return parseLink(text);
  } catch (err) {
    throw new UsageError(`${flag ? `--${flag}: ` : ''}invalid enrtree URL ${echoInput(text)}: ${err instanceof DnsEntryError ? err.detail : (err as Error).message}`);
  }
}

/** A resolver asking the servers of a repeated `--flag IP[:PORT]`, or the system's when none are given. */
export function resolverForServers(flag: string, servers: readonly string[]): SystemTxtResolver {
  try {
    return new SystemTxtResolver(servers.length ? { servers } : {});
  } catch (err) {
    throw new UsageError(`--${flag} must be IP or IP:PORT, got ${servers.map((s) => echoInput(s)).join(', ')}: ${(err as Error).message}`);
  }
}

function parseRate(text: string): number {
  const t = text.trim();
  const n = Number(t);
  if (!/^\d+(\.\d+)?$/.test(t) || n > MAX_DNS_SYNC_RATE) throw new UsageError(`--rate must be a number between 0 and ${MAX_DNS_SYNC_RATE}, got "${text}"`);
  return n;
}

/** A geth keystore (decrypted with the password) or a nodekey file. */
async function loadSigningKey(path: string, passwordFile: string | undefined, io: DnsIo): Promise<Uint8Array> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new NodeKeyError(`cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, path);
  }
  if (!isKeystoreText(text)) return parseNodeKey(text, path);
  const password = await readPassword(`Please enter the password for '${path}': `, passwordFile, io.err);
  return decryptKeystore(text, password);
}

export const DNS_GROUP: Group = {
  name: 'dns',
  summary: "DNS discovery (EIP-1459) commands (geth devp2p's dns commands).",
  commands: {
    sync: { spec: SYNC, run: (a) => dnsSync(a) },
    sign: { spec: SIGN, run: (a) => dnsSign(a) },
    'to-txt': { spec: TO_TXT, run: (a) => dnsToTxt(a) },
  },
};
