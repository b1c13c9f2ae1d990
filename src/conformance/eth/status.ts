/**
 * The Status side of the tester: the Status we answer with, the rules a node's Status must
 * follow, and what the node's Status (or the test chain) says about its head.
 */
import { bytesToHex, equalBytes } from '../../common/bytes.js';
import { networkForkFilter, networkForkId } from '../../chain/chain-config.js';
import { isStatus68, type AnyStatus } from '../../eth/handshake.js';
import type { EthVersion } from '../../eth/protocol.js';
import { CheckFailure } from '../check.js';
import type { EthConn } from './conn.js';
import { chainHead } from './test-chain.js';
import type { EthTarget } from './target.js';

/**
 * Our Status for a node whose Status is `remote`: same network, genesis and fork ID (so a
 * correct node accepts it whatever its head), head at the genesis, and for eth/69+ the
 * range 0..0. With a known network, its network ID and genesis are used instead, so a node on
 * another network refuses us (and the Status check says why).
 */
export function mirrorStatus(version: EthVersion, remote: AnyStatus, target: EthTarget): AnyStatus {
  const networkId = target.network?.networkId ?? remote.networkId;
  const genesis = target.network?.genesisHash ?? remote.genesis;
  if (version === 68) return { version, networkId, td: 0n, head: genesis, genesis, forkId: remote.forkId };
  return { version, networkId, genesis, forkId: remote.forkId, earliestBlock: 0n, latestBlock: 0n, latestBlockHash: genesis };
}

/**
 * Reads the node's Status and answers it, changed by `tweak` if given. Returns the node's
 * Status. The node's Status must come first (eth.md "Status (0x00)").
 */
export async function handshake(conn: EthConn, target: EthTarget, tweak?: (s: AnyStatus) => AnyStatus): Promise<AnyStatus> {
  const remote = await conn.readStatus();
  const ours = mirrorStatus(conn.version, remote, target);
  conn.sendStatus(tweak ? tweak(ours) : ours);
  return remote;
}

/** What a node's Status gets wrong, as sentences (empty if nothing). */
export function statusProblems(version: EthVersion, s: AnyStatus, target: EthTarget): string[] {
  const out: string[] = [];
  if (s.version !== version) out.push(`Status version is ${s.version}, negotiated eth/${version}`);
  const net = target.chain?.network ?? target.network;
  if (net) {
    if (s.networkId !== net.networkId) out.push(`network ID ${s.networkId}, expected ${net.networkId}`);
    if (!equalBytes(s.genesis, net.genesisHash)) out.push(`genesis ${bytesToHex(s.genesis)}, expected ${bytesToHex(net.genesisHash)}`);
  }
  const fork = `${bytesToHex(s.forkId.hash)}/${s.forkId.next}`;
  if (target.chain) {
    const head = chainHead(target.chain);
    const want = networkForkId(target.chain.network, head.number, head.time);
    if (!equalBytes(want.hash, s.forkId.hash) || want.next !== s.forkId.next) out.push(`fork ID ${fork}, expected ${bytesToHex(want.hash)}/${want.next} at the chain head`);
  } else if (net) {
    // From the genesis every fork ID of the network's schedule is acceptable (EIP-2124 rules 1-3).
    const verdict = networkForkFilter(net)(s.forkId, 0n, net.genesisTime);
    if (verdict !== 'ok') out.push(`fork ID ${fork} is not one of network ${net.name} (${verdict})`);
  }
  if (isStatus68(s)) {
    if (target.chain && !equalBytes(s.head, chainHead(target.chain).hash)) out.push(`head ${bytesToHex(s.head)}, expected the chain head ${bytesToHex(chainHead(target.chain).hash)}`);
  } else {
    if (s.earliestBlock > s.latestBlock) out.push(`earliestBlock ${s.earliestBlock} > latestBlock ${s.latestBlock}`);
    if (s.latestBlockHash.every((b) => b === 0)) out.push('latestBlockHash is zero');
    if (target.chain) {
      const head = chainHead(target.chain);
      if (s.latestBlock !== head.number) out.push(`latestBlock ${s.latestBlock}, expected the chain head ${head.number}`);
      if (!equalBytes(s.latestBlockHash, head.hash)) out.push(`latestBlockHash ${bytesToHex(s.latestBlockHash)}, expected the chain head ${bytesToHex(head.hash)}`);
    }
  }
  return out;
}

/** Fails the check if the node's Status breaks a rule. */
export function ensureValidStatus(version: EthVersion, s: AnyStatus, target: EthTarget): void {
  const problems = statusProblems(version, s, target);
  if (problems.length > 0) throw new CheckFailure(`node's Status: ${problems.join('; ')}`);
}

/** The oldest block whose bodies and receipts the node says it serves (0 on eth/68, which does not say). */
export function earliestServed(s: AnyStatus): bigint {
  return isStatus68(s) ? 0n : s.earliestBlock;
}
