/**
 * Block bodies and whole blocks: `body = [transactions, uncles, withdrawals?]`,
 * `block = [header, transactions, uncles, withdrawals?]`. Withdrawals (EIP-4895) exist from
 * Shanghai on; before it the element is absent, which is not the same as an empty list (the
 * body of a post-Shanghai block without withdrawals carries `[]`).
 */
import { checkLength, checkUint } from './fields.js';
import { readHeader, type BlockHeader } from './header.js';
import { encBytes, encList, encUint } from '../common/rlp-encode.js';
import type { RlpReader } from '../common/rlp-reader.js';
import { encodeTransactionItem, readTransactions, type Transaction } from './transaction.js';

/** A validator withdrawal (EIP-4895). Amount is in gwei. */
export interface Withdrawal {
  index: bigint;
  validatorIndex: bigint;
  /** 20-byte recipient. */
  address: Uint8Array;
  amount: bigint;
}

/** A block body as BlockBodies carries it. */
export interface BlockBody {
  transactions: Transaction[];
  uncles: BlockHeader[];
  /** Present from Shanghai on. */
  withdrawals?: Withdrawal[];
}

/** A full block as NewBlock carries it. */
export interface Block extends BlockBody {
  header: BlockHeader;
}

/** Encodes a withdrawal: `[index, validatorIndex, address, amount]`. */
export function encodeWithdrawalItem(w: Withdrawal): Uint8Array {
  return encList([
    encUint(checkUint(w.index, 64, 'withdrawal index')),
    encUint(checkUint(w.validatorIndex, 64, 'withdrawal validatorIndex')),
    encBytes(checkLength(w.address, 20, 'withdrawal address')),
    encUint(checkUint(w.amount, 64, 'withdrawal amount')),
  ]);
}

/** Reads a withdrawal as the next element (named, or by index) of `r`. */
export function readWithdrawal(r: RlpReader, name: string | number): Withdrawal {
  const l = r.list(name);
  const w = { index: l.uint64('index'), validatorIndex: l.uint64('validatorIndex'), address: l.bytes('address', 20), amount: l.uint64('amount') };
  l.done();
  return w;
}

/** Reads a list of headers (uncles, or a BlockHeaders payload) as the next element of `r`. */
export function readHeaders(r: RlpReader, name: string): BlockHeader[] {
  return r.listItems(name, (h, i) => readHeader(h, `[${i}]`));
}

/**
 * Reads the body part of `l` (transactions, uncles, optional withdrawals) and checks nothing
 * follows. Empty lists are the shared `EMPTY_LIST` (rlp-reader.ts) and each shape is one
 * literal, so a hostile message of empty bodies (3 bytes apiece) keeps one small object each.
 */
function readBodyParts(l: RlpReader): BlockBody {
  const transactions = readTransactions(l, 'transactions');
  const uncles = readHeaders(l, 'uncles');
  if (!l.hasMore()) return { transactions, uncles };
  const withdrawals = l.listItems('withdrawals', readWithdrawal);
  l.done();
  return { transactions, uncles, withdrawals };
}

function bodyItems(b: BlockBody): Uint8Array[] {
  const items = [encList(b.transactions.map(encodeTransactionItem)), encList(b.uncles.map((u) => u.raw))];
  if (b.withdrawals !== undefined) items.push(encList(b.withdrawals.map(encodeWithdrawalItem)));
  return items;
}

/** Encodes a block body: `[transactions, uncles, withdrawals?]`. */
export function encodeBodyItem(b: BlockBody): Uint8Array {
  return encList(bodyItems(b));
}

/** Reads a block body as the next element (named, or by index) of `r`. */
export function readBody(r: RlpReader, name: string | number): BlockBody {
  return readBodyParts(r.list(name));
}

/** Encodes a block: `[header, transactions, uncles, withdrawals?]`. */
export function encodeBlockItem(b: Block): Uint8Array {
  return encList([b.header.raw, ...bodyItems(b)]);
}

/** Reads a block as the next element of `r`. */
export function readBlock(r: RlpReader, name: string): Block {
  const l = r.list(name);
  const header = readHeader(l, 'header');
  return { header, ...readBodyParts(l) };
}
