/**
 * The chain a header-syncing node shows its peers: genesis until the store holds a complete
 * chain from genesis to the target, then the target. It serves the headers it has and no bodies
 * or receipts (it does not have them), and says so with earliestBlock = head.
 */
import type { BlockBody } from '../eth/block.js';
import type { ChainHead, ChainReader } from '../eth/chain.js';
import type { BlockHeader } from '../eth/header.js';
import type { EthNetwork } from '../eth/chain-config.js';
import type { Receipt69 } from '../eth/receipt.js';
import type { HeaderStore } from './header-store.js';

export class StoreChain implements ChainReader {
  constructor(
    private readonly network: EthNetwork,
    private readonly store: HeaderStore,
  ) {}

  head(): ChainHead {
    const t = this.store.target;
    if (t && this.store.lowest === 0n) return this.store.get(t.number)!;
    return { number: 0n, hash: this.network.genesisHash, time: this.network.genesisTime };
  }

  earliest(): bigint {
    return this.head().number;
  }

  headerByNumber(number: bigint): BlockHeader | undefined {
    return this.store.lowest !== undefined && number >= this.store.lowest ? this.store.get(number) : undefined;
  }

  headerByHash(hash: Uint8Array): BlockHeader | undefined {
    const h = this.store.getByHash(hash);
    return h && this.headerByNumber(h.number) ? h : undefined;
  }

  bodyByHash(): BlockBody | undefined {
    return undefined;
  }

  receiptsByHash(): Receipt69[] | undefined {
    return undefined;
  }
}
