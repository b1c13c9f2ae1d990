/**
 * The chain a header-syncing node shows its peers: its genesis block, plus the headers its
 * store holds once they form a complete chain from genesis to the target (then the target is
 * the head). It serves what it announces: the genesis header, body (empty) and receipts (none),
 * and every header of the store's verified range by number and by hash. It has no other bodies
 * or receipts, and says so with earliestBlock = head (EIP-7642 asks for a range that includes
 * the head).
 *
 * The genesis comes from the caller (a genesis.json's computed block, the devnet's) or, for the
 * built-in networks, from their embedded genesis headers.
 */
import { equalBytes, bytesToHex } from '../../common/bytes.js';
import type { Block, BlockBody } from '../../chain/block.js';
import type { ChainHead, ChainReader } from '../../chain/chain.js';
import type { EthNetwork } from '../../chain/chain-config.js';
import { EMPTY_UNCLE_HASH } from '../../chain/constants.js';
import type { BlockHeader } from '../../chain/header.js';
import { builtinGenesisHeader } from '../../chain/networks.js';
import type { Receipt69 } from '../../chain/receipt.js';
import { EMPTY_TRIE_ROOT } from '../../chain/trie.js';
import type { HeaderStore } from './header-store.js';

/** Raised when the genesis given does not belong to the network. */
export class GenesisMismatchError extends Error {
  constructor(
    readonly network: string,
    readonly expected: Uint8Array,
    readonly got: Uint8Array,
  ) {
    super(`genesis block 0x${bytesToHex(got)} is not ${network}'s genesis 0x${bytesToHex(expected)}`);
    this.name = 'GenesisMismatchError';
  }
}

/** The body of a genesis block, when its header says it has none of anything. */
function emptyGenesisBody(h: BlockHeader): BlockBody | undefined {
  if (!equalBytes(h.txRoot, EMPTY_TRIE_ROOT) || !equalBytes(h.uncleHash, EMPTY_UNCLE_HASH)) return undefined;
  if (h.withdrawalsRoot === undefined) return { transactions: [], uncles: [] };
  return equalBytes(h.withdrawalsRoot, EMPTY_TRIE_ROOT) ? { transactions: [], uncles: [], withdrawals: [] } : undefined;
}

export class StoreChain implements ChainReader {
  private readonly genesisHeader: BlockHeader | undefined;
  private readonly genesisBody: BlockBody | undefined;
  private readonly genesisReceipts: Receipt69[] | undefined;

  /**
   * @param genesis the network's genesis block; without it, a built-in network's embedded
   *   genesis header (with the empty body its roots say it has). Throws
   *   {@link GenesisMismatchError} if it is not the network's.
   */
  constructor(
    private readonly network: EthNetwork,
    private readonly store: HeaderStore,
    genesis?: Block,
  ) {
    const header = genesis?.header ?? builtinGenesisHeader(network.genesisHash);
    if (header !== undefined && !equalBytes(header.hash, network.genesisHash)) throw new GenesisMismatchError(network.name, network.genesisHash, header.hash);
    this.genesisHeader = header;
    if (genesis !== undefined) {
      this.genesisBody = genesis.withdrawals === undefined ? { transactions: genesis.transactions, uncles: genesis.uncles } : { transactions: genesis.transactions, uncles: genesis.uncles, withdrawals: genesis.withdrawals };
    } else if (header !== undefined) this.genesisBody = emptyGenesisBody(header);
    // A genesis block runs no transactions: no receipts, as its empty receipts root says.
    this.genesisReceipts = header !== undefined && this.genesisBody?.transactions.length === 0 && equalBytes(header.receiptRoot, EMPTY_TRIE_ROOT) ? [] : undefined;
  }

  head(): ChainHead {
    const t = this.store.target;
    if (t && this.store.lowest === 0n) return this.store.get(t.number)!;
    return this.genesisHeader ?? { number: 0n, hash: this.network.genesisHash, time: this.network.genesisTime };
  }

  earliest(): bigint {
    return this.head().number;
  }

  headerByNumber(number: bigint): BlockHeader | undefined {
    const lowest = this.store.lowest;
    if (lowest !== undefined && number >= lowest) return this.store.get(number);
    return number === 0n ? this.genesisHeader : undefined;
  }

  headerByHash(hash: Uint8Array): BlockHeader | undefined {
    if (this.isGenesis(hash)) return this.genesisHeader;
    const h = this.store.getByHash(hash);
    return h && equalBytes(this.headerByNumber(h.number)?.hash ?? new Uint8Array(0), hash) ? h : undefined;
  }

  private isGenesis(hash: Uint8Array): boolean {
    return this.genesisHeader !== undefined && equalBytes(hash, this.network.genesisHash);
  }

  bodyByHash(hash: Uint8Array): BlockBody | undefined {
    return this.isGenesis(hash) ? this.genesisBody : undefined;
  }

  receiptsByHash(hash: Uint8Array): Receipt69[] | undefined {
    return this.isGenesis(hash) ? this.genesisReceipts : undefined;
  }
}
