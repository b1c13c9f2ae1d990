/**
 * Block bodies and whole blocks: `body = [transactions, uncles, withdrawals?]`,
 * `block = [header, transactions, uncles, withdrawals?]`. Withdrawals (EIP-4895) exist from
 * Shanghai on; before it the element is absent, which is not the same as an empty list (the
 * body of a post-Shanghai block without withdrawals carries `[]`).
 */
import { asList, type RlpItem } from '../common/rlp.js';
import { DecodeError } from '../common/errors.js';
import { asBytes } from '../common/rlp.js';
import { asListBetween, asListOf, asUint64, checkLength, checkUint } from './fields.js';
import { headerFromItem, type BlockHeader } from './header.js';
import { encBytes, encList, encUint, rlpListSpans } from './rlp-raw.js';
import { encodeTransactionItem, transactionsFromItem, type Transaction } from './transaction.js';

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

/** Reads a withdrawal from its decoded RLP item. */
export function withdrawalFromItem(item: RlpItem | undefined, what: string, field: string): Withdrawal {
  const l = asListOf(item, 4, what, field);
  return {
    index: asUint64(l[0], what, `${field}.index`),
    validatorIndex: asUint64(l[1], what, `${field}.validatorIndex`),
    address: asBytes(l[2], what, `${field}.address`, 20),
    amount: asUint64(l[3], what, `${field}.amount`),
  };
}

/** Reads a list of headers (uncles, or a BlockHeaders payload) given its item and encoding. */
export function headersFromItem(item: RlpItem | undefined, span: Uint8Array, what: string, field: string): BlockHeader[] {
  const list = asList(item, what, field);
  if (list.length === 0) return [];
  const spans = rlpListSpans(span, what, field);
  if (spans.length !== list.length) throw new DecodeError(what, field, 'encoding does not match decoded list');
  return list.map((h, i) => headerFromItem(h, spans[i]!.slice(), what, `${field}[${i}]`));
}

function bodyParts(l: RlpItem[], spans: Uint8Array[], first: number, what: string, field: string): BlockBody {
  const body: BlockBody = {
    transactions: transactionsFromItem(l[first], spans[first]!, what, `${field}.transactions`),
    uncles: headersFromItem(l[first + 1], spans[first + 1]!, what, `${field}.uncles`),
  };
  const w = l[first + 2];
  if (w !== undefined) {
    body.withdrawals = asList(w, what, `${field}.withdrawals`).map((x, i) => withdrawalFromItem(x, what, `${field}.withdrawals[${i}]`));
  }
  return body;
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

/** Reads a block body from its decoded item and encoding. */
export function bodyFromItem(item: RlpItem | undefined, span: Uint8Array, what: string, field: string): BlockBody {
  const l = asListBetween(item, 2, 3, what, field);
  return bodyParts(l, rlpListSpans(span, what, field), 0, what, field);
}

/** Encodes a block: `[header, transactions, uncles, withdrawals?]`. */
export function encodeBlockItem(b: Block): Uint8Array {
  return encList([b.header.raw, ...bodyItems(b)]);
}

/** Reads a block from its decoded item and encoding. */
export function blockFromItem(item: RlpItem | undefined, span: Uint8Array, what: string, field: string): Block {
  const l = asListBetween(item, 3, 4, what, field);
  const spans = rlpListSpans(span, what, field);
  const header = headerFromItem(l[0], spans[0]!.slice(), what, `${field}.header`);
  return { header, ...bodyParts(l, spans, 1, what, field) };
}
