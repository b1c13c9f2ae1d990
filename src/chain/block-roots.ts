/**
 * The roots a header commits to for its body and receipts (geth `types.DeriveSha` over
 * `types.Transactions`, `types.Withdrawals`, `types.Receipts`): ordered tries of the
 * canonical item encodings.
 */
import { encodeWithdrawalItem, type Withdrawal } from './block.js';
import { encodeReceipt68Item, toReceipt68, type Receipt69 } from './receipt.js';
import type { Transaction } from './transaction.js';
import { orderedTrieRoot } from './trie.js';

/** Receipts root of a block: the trie of consensus-encoded (eth/68 form) receipts. */
export function receiptsRoot(receipts: readonly Receipt69[]): Uint8Array {
  return orderedTrieRoot(
    receipts.map((r) => {
      const item = encodeReceipt68Item(toReceipt68(r));
      // A typed receipt's list element is a byte string wrapping `type || rlp(...)`; the trie holds the inner bytes.
      return r.type === 0 ? item : unwrapBytes(item);
    }),
  );
}

/** Transactions root: the trie of canonical transaction encodings. */
export function transactionsRoot(txs: readonly Transaction[]): Uint8Array {
  return orderedTrieRoot(txs.map((t) => t.raw));
}

/** Withdrawals root: the trie of encoded withdrawals. */
export function withdrawalsRoot(ws: readonly Withdrawal[]): Uint8Array {
  return orderedTrieRoot(ws.map(encodeWithdrawalItem));
}

function unwrapBytes(item: Uint8Array): Uint8Array {
  const b = item[0]!;
  if (b < 0xb8) return item.subarray(1);
  const n = b - 0xb7;
  return item.subarray(1 + n);
}
