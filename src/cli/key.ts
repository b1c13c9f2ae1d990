/** `devp2p-ts key ...`: node key files, as geth's `devp2p key` commands. */
import { bytesToHex } from '../common/bytes.js';
import { parseIp } from '../common/netutil.js';
import { formatEnode } from '../enode/enode-url.js';
import { EnrBuilder, enrToText } from '../enode/enr.js';
import { generateNodeKey, loadNodeKey, nodeIdOf, publicKeyOfNodeKey, saveNodeKey } from '../enode/key.js';
import { defineCommand, defineFlags, parseCommand } from './command.js';
import type { Command, Group } from './command-tree.js';
import { parsePortOption, UsageError } from './output.js';

/** Where command output goes (tests capture it; the CLI writes to stdout). */
type Out = (text: string) => void;
const stdout: Out = (t) => process.stdout.write(t);

const GENERATE = defineCommand({
  name: 'key generate',
  summary: 'generate a node key: print it as hex, or write a geth nodekey file',
  flags: { out: { type: 'string', value: 'FILE', help: 'write the key to FILE (mode 0600) and print its public key instead of the key' } },
  examples: ['devp2p-ts key generate --out node.key'],
});

const TO_ID = defineCommand({
  name: 'key to-id',
  args: 'FILE',
  argsName: 'a key FILE',
  positionals: [1, 1],
  summary: 'print the node ID of a key file (keccak256 of the public key)',
  flags: {},
  examples: ['devp2p-ts key to-id node.key'],
});

/** The endpoint flags of to-enode and to-enr. */
const ENDPOINT_FLAGS = defineFlags({
  ip: { type: 'string', value: 'IP', help: 'IPv4 or IPv6 address of the node', default: '127.0.0.1' },
  tcp: { type: 'string', value: 'PORT', help: 'RLPx (TCP) port', default: '30303' },
  udp: { type: 'string', value: 'PORT', help: 'discovery (UDP) port', defaultText: 'the TCP port' },
});

const TO_ENODE = defineCommand({
  name: 'key to-enode',
  args: 'FILE',
  argsName: 'a key FILE',
  positionals: [1, 1],
  summary: 'print the enode URL of a key file at an address',
  flags: ENDPOINT_FLAGS,
  examples: ['devp2p-ts key to-enode node.key --ip 10.0.0.5 --tcp 30303 --udp 30301'],
});

const TO_ENR = defineCommand({
  name: 'key to-enr',
  args: 'FILE',
  argsName: 'a key FILE',
  positionals: [1, 1],
  summary: 'print the signed node record (ENR, seq 1) of a key file at an address',
  flags: ENDPOINT_FLAGS,
  examples: ['devp2p-ts key to-enr node.key --ip 10.0.0.5 --tcp 30303'],
});

function endpoint(values: { ip: string; tcp: string; udp: string | undefined }): { ip: Uint8Array; ipText: string; tcp: number; udp: number } {
  const ip = parseIp(values.ip);
  if (!ip) throw new UsageError(`--ip must be an IP address, got "${values.ip}"`);
  const tcp = parsePortOption('tcp', values.tcp);
  return { ip, ipText: values.ip, tcp, udp: parsePortOption('udp', values.udp, tcp) };
}

export async function keyGenerate(args: string[], out: Out = stdout): Promise<void> {
  const { values } = parseCommand(GENERATE, args);
  const key = generateNodeKey();
  if (values.out) {
    await saveNodeKey(values.out, key);
    out(`wrote ${values.out}\nenode public key: ${bytesToHex(publicKeyOfNodeKey(key))}\n`);
  } else {
    out(bytesToHex(key) + '\n');
  }
}

export async function keyToId(args: string[], out: Out = stdout): Promise<void> {
  const { positionals } = parseCommand(TO_ID, args);
  out(bytesToHex(nodeIdOf(publicKeyOfNodeKey(await loadNodeKey(positionals[0]!)))) + '\n');
}

export async function keyToEnode(args: string[], out: Out = stdout): Promise<void> {
  const { values, positionals } = parseCommand(TO_ENODE, args);
  const e = endpoint(values);
  const publicKey = publicKeyOfNodeKey(await loadNodeKey(positionals[0]!));
  out(formatEnode({ publicKey, ip: e.ipText, tcpPort: e.tcp, udpPort: e.udp }) + '\n');
}

export async function keyToEnr(args: string[], out: Out = stdout): Promise<void> {
  const { values, positionals } = parseCommand(TO_ENR, args);
  const e = endpoint(values);
  const b = new EnrBuilder();
  if (e.ip.length === 4) b.ip(e.ip);
  else b.ip6(e.ip);
  const enr = b.tcp(e.tcp).udp(e.udp).sign(await loadNodeKey(positionals[0]!), 1n);
  out(enrToText(enr) + '\n');
}

export const KEY_GROUP: Group = {
  name: 'key',
  summary: 'Node key files (geth nodekey format: 64 hex characters of the private key).',
  commands: {
    generate: { spec: GENERATE, run: (a) => keyGenerate(a) } satisfies Command,
    'to-id': { spec: TO_ID, run: (a) => keyToId(a) },
    'to-enode': { spec: TO_ENODE, run: (a) => keyToEnode(a) },
    'to-enr': { spec: TO_ENR, run: (a) => keyToEnr(a) },
  },
};
