/**
 * A made-up but well-formed mainnet crawl, with known counts: clients and versions, eth
 * versions, every fork compatibility class, another network, RLPx without eth, failed checks
 * and unchecked nodes; and an older crawl of it for the comparison. Times are fixed, keys are
 * derived from small integers, so the set is the same on every run.
 */
import { publicKeyOf } from '../../src/crypto/secp256k1.js';
import { makeNode } from '../../src/discv4/node.js';
import { networkForkId, type EthNetwork } from '../../src/chain/chain-config.js';
import type { ForkId } from '../../src/chain/forkid.js';
import { MAINNET, SEPOLIA } from '../../src/chain/networks.js';
import type { EthVersion } from '../../src/eth/protocol.js';
import type { CrawledNode } from '../../src/sync/crawl/crawled-node.js';
import type { CheckError } from '../../src/sync/crawl/node-check.js';

/** 2026-01-01T00:00:00Z: after mainnet's bpo1 (2025-12-09), before bpo2 (2026-01-07). */
export const CRAWL_TIME_MS = Date.UTC(2026, 0, 1);
const MAX = (1n << 64n) - 1n;
const t = (name: string): bigint => MAINNET.timeForks.find((f) => f.name === name)!.time;

/** Mainnet fork IDs at several points, by the name of the last fork passed. */
export const MAINNET_FORK_IDS = {
  prague: networkForkId(MAINNET, MAX, t('pragueTime')),
  osaka: networkForkId(MAINNET, MAX, t('osakaTime')),
  bpo1: networkForkId(MAINNET, MAX, t('bpo1Time')),
  bpo2: networkForkId(MAINNET, MAX, t('bpo2Time')),
};

let keySeed = 1;
function nextNode(): CrawledNode['node'] {
  const priv = new Uint8Array(32);
  new DataView(priv.buffer).setUint32(28, keySeed++);
  return makeNode(publicKeyOf(priv), `10.0.${keySeed >> 8}.${keySeed & 0xff}`, 30303, 30303);
}

/** What a made-up node's last check found. */
export interface NodeSpec {
  client?: string;
  caps?: string[];
  eth?: { version: EthVersion; forkId: ForkId; network?: EthNetwork; mismatch?: boolean };
  error?: Pick<CheckError, 'kind' | 'phase'>;
  unchecked?: boolean;
}

/** A made-up node checked at `at` (fresh key each call). */
export function crawled(spec: NodeSpec, at: number): CrawledNode {
  const rec: CrawledNode = { node: nextNode(), score: 1, firstSeen: at - 60_000, lastSeen: at };
  if (spec.unchecked) return rec;
  rec.lastCheck = at;
  if (spec.client) {
    rec.hello = { clientId: spec.client, protocolVersion: 5, capabilities: (spec.caps ?? ['eth/68', 'eth/69']).map((c) => ({ name: c.split('/')[0]!, version: Number(c.split('/')[1]) })), listenPort: 30303 };
    rec.firstResponse = at;
    rec.lastResponse = at;
  }
  if (spec.eth) {
    const n = spec.eth.network ?? MAINNET;
    rec.status = {
      version: spec.eth.version,
      networkId: n.networkId,
      genesis: n.genesisHash,
      forkId: spec.eth.forkId,
      blockRange: { earliest: 0n, latest: 24_000_000n, latestHash: new Uint8Array(32) },
      at,
      ...(spec.eth.mismatch ? { mismatch: { reason: 'genesis' as const, message: 'genesis mismatch' } } : {}),
    };
  }
  if (spec.error) rec.lastError = { ...spec.error, message: spec.error.kind };
  return rec;
}

const GETH = (v: string) => `Geth/v${v}-stable-abcdef12/linux-amd64/go1.25.1`;
const NETHERMIND = (v: string) => `Nethermind/v${v}+1234abcd/linux-x64/dotnet9.0.6`;
const RETH = (v: string) => `reth/v${v}-deadbee/x86_64-unknown-linux-gnu`;
const ERIGON = (v: string) => `erigon/v${v}-5f2b7c1e/linux-amd64/go1.24.4`;

function repeat(n: number, spec: NodeSpec): NodeSpec[] {
  return Array.from({ length: n }, () => spec);
}

/** The newer crawl's node specs; the counts the tests expect follow from them. */
function newerSpecs(): NodeSpec[] {
  const f = MAINNET_FORK_IDS;
  return [
    ...repeat(6, { client: GETH('1.16.7'), eth: { version: 69, forkId: f.bpo1 } }),
    ...repeat(2, { client: GETH('1.16.5'), eth: { version: 68, forkId: f.bpo1 } }),
    ...repeat(3, { client: NETHERMIND('1.35.2'), eth: { version: 69, forkId: f.bpo1 } }),
    // Behind but knows the next fork: compatible.
    ...repeat(1, { client: NETHERMIND('1.35.0'), eth: { version: 68, forkId: f.osaka } }),
    // Does not know Osaka: stale.
    ...repeat(2, { client: ERIGON('3.0.4'), eth: { version: 68, forkId: { hash: f.prague.hash, next: 0n } } }),
    ...repeat(2, { client: RETH('1.9.3'), eth: { version: 69, forkId: f.bpo1 } }),
    // Already past bpo2: future.
    ...repeat(1, { client: RETH('1.9.3'), eth: { version: 69, forkId: f.bpo2 } }),
    // A checksum none of our states has: incompatible.
    ...repeat(1, { client: GETH('1.14.0'), eth: { version: 68, forkId: { hash: Uint8Array.of(1, 2, 3, 4), next: 0n }, mismatch: true } }),
    // Another network.
    ...repeat(2, { client: GETH('1.16.7'), eth: { version: 69, forkId: networkForkId(SEPOLIA, MAX, BigInt(CRAWL_TIME_MS / 1000)), network: SEPOLIA, mismatch: true } }),
    // RLPx without eth (a light/other-protocol node), and Hello then TooManyPeers.
    ...repeat(1, { client: 'bor/v2.0.1/linux-amd64/go1.23', caps: ['snap/1'] }),
    ...repeat(3, { client: GETH('1.16.7'), error: { kind: 'too-many-peers', phase: 'rlpx' } }),
    // Discovery only: the RLPx check failed before a Hello.
    ...repeat(4, { error: { kind: 'refused', phase: 'dial' } }),
    ...repeat(2, { error: { kind: 'timeout', phase: 'dial' } }),
    ...repeat(1, { error: { kind: 'handshake', phase: 'rlpx' } }),
    ...repeat(2, { unchecked: true }),
  ];
}

/** Counts that follow from {@link newerSpecs}. */
export const EXPECTED = {
  found: 33,
  reachability: { eth: 18, 'eth-other-chain': 2, rlpx: 4, 'discovery-only': 7, unchecked: 2 },
  errors: { 'too-many-peers': 3, refused: 4, timeout: 2, handshake: 1 },
  clients: { geth: 14, nethermind: 4, reth: 3, erigon: 2, bor: 1 },
  gethVersions: { '1.16.7': 11, '1.16.5': 2, '1.14.0': 1 },
  ethVersions: { 'eth/68': 6, 'eth/69': 14 },
  forkCompat: { compatible: 14, stale: 2, future: 1, incompatible: 1 },
  networks: { mainnet: 18, sepolia: 2 },
};

/**
 * The crawl (checked at {@link CRAWL_TIME_MS}) and an older one a week before: the first 20
 * nodes of the newer set, where the Geth 1.16.7 ones still ran 1.16.5; the four nodes that now
 * refuse connections, then reachable Geth 1.16.5 nodes; and two nodes that are gone since.
 */
export function fixtureCrawls(): { newer: CrawledNode[]; older: CrawledNode[] } {
  keySeed = 1;
  const newer = newerSpecs().map((s) => crawled(s, CRAWL_TIME_MS));
  const weekBefore = CRAWL_TIME_MS - 7 * 86_400_000;
  const older = [...newer.slice(0, 20), ...newer.filter((r) => r.lastError?.kind === 'refused')].map((r) => {
    const o: CrawledNode = structuredClone(r);
    o.lastCheck = weekBefore;
    if (o.lastError) {
      delete o.lastError;
      o.hello = { clientId: GETH('1.16.5'), protocolVersion: 5, capabilities: [{ name: 'eth', version: 69 }], listenPort: 30303 };
    }
    o.firstResponse = o.lastResponse = weekBefore;
    if (o.status) o.status.at = weekBefore;
    if (o.hello?.clientId === GETH('1.16.7')) o.hello.clientId = GETH('1.16.5');
    return o;
  });
  older.push(...repeat(2, { client: GETH('1.15.11'), eth: { version: 68, forkId: MAINNET_FORK_IDS.osaka } }).map((s) => crawled(s, weekBefore)));
  return { newer, older };
}

/** Counts of the comparison that follow from {@link fixtureCrawls}. */
export const EXPECTED_DIFF = {
  nodes: { before: 26, after: 33, added: 9, removed: 2, kept: 24 },
  becameReachable: 0,
  becameUnreachable: 4,
  versionChanges: { 'geth v1.16.5 -> geth v1.16.7': 8 },
};
