/** Adapts an {@link EthPeer} to the header sync's {@link SyncPeer}. */
import { isStatus68 } from '../../eth/handshake.js';
import type { BlockHeader } from '../../chain/header.js';
import type { EthPeer } from '../../eth/peer.js';
import type { SyncPeer } from './header-sync.js';

export function ethSyncPeer(peer: EthPeer, id: string, penalize: (kind: 'invalid-message' | 'timeout', detail: string) => void = () => {}): SyncPeer {
  return {
    id,
    getHeaders: (from, amount, opts) => peer.getBlockHeaderRecords({ origin: { number: from }, amount: BigInt(amount) }, opts),
    async getHeaderByHash(hash, opts): Promise<BlockHeader | undefined> {
      const hs = await peer.getBlockHeaders({ origin: { hash }, amount: 1n }, opts);
      return hs[0];
    },
    penalize,
  };
}

/**
 * The head a peer announced: its eth/69+ block range (number and hash, kept current by its
 * BlockRangeUpdates), or its eth/68 Status head hash (number unknown until fetched).
 */
export function announcedHead(peer: EthPeer): { number?: bigint; hash: Uint8Array } {
  if (peer.remoteRange) return { number: peer.remoteRange.latestBlock, hash: peer.remoteRange.latestBlockHash };
  if (isStatus68(peer.remoteStatus)) return { hash: peer.remoteStatus.head };
  return { hash: peer.remoteStatus.latestBlockHash, number: peer.remoteStatus.latestBlock };
}
