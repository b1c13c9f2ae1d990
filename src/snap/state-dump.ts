/**
 * A {@link StateReader} over a state dump in geth's `debug_dumpBlock` / `geth dump` JSON form
 * (the ethtest chain's `headstate.json`): `{ root, accounts: { address: { balance, nonce, root,
 * codeHash, code?, storage?: { slot: value }, key? } } }`. The account and storage tries are
 * rebuilt in memory and checked against the dump's roots, so a dump that does not add up is
 * refused rather than served.
 */
import { readFile } from 'node:fs/promises';
import { bytesToHex, equalBytes, hexToBytes } from '../common/bytes.js';
import { encBytes } from '../common/rlp-encode.js';
import { keccak256 } from '../crypto/keccak.js';
import { EMPTY_CODE_HASH, encodeFullAccount, type StateAccount } from './account.js';
import { compareBytes } from './bytes-order.js';
import type { AccountEntry, SlotEntry, StateReader, StateView } from './state-reader.js';
import { HashedTrie } from './trie.js';

/** A dump that is malformed or whose contents do not hash to its roots. */
export class StateDumpError extends Error {
  constructor(message: string) {
    super(`state dump: ${message}`);
    this.name = 'StateDumpError';
  }
}

interface DumpAccountJson {
  balance?: string;
  nonce?: number | string;
  root?: string;
  codeHash?: string;
  code?: string;
  storage?: Record<string, string>;
  address?: string;
  key?: string;
}

interface StoredAccount extends AccountEntry {
  /** Slots ascending by hash, and the trie over them (absent when the account has no storage). */
  slots: SlotEntry[];
  storageTrie?: HashedTrie;
}

/** First index in `sorted` (ascending by `hash`) whose hash is >= `origin`. */
function lowerBound<T extends { hash: Uint8Array }>(sorted: readonly T[], origin: Uint8Array): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (compareBytes(sorted[mid]!.hash, origin) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function* from<T extends { hash: Uint8Array }>(sorted: readonly T[], origin: Uint8Array): Generator<T> {
  for (let i = lowerBound(sorted, origin); i < sorted.length; i++) yield sorted[i]!;
}

function parseHex(text: string | undefined, what: string): Uint8Array {
  if (text === undefined) throw new StateDumpError(`${what} missing`);
  try {
    return hexToBytes(text);
  } catch {
    throw new StateDumpError(`${what} is not hex`);
  }
}

/** The state of one root, read from a dump. */
export class DumpStateReader implements StateReader, StateView {
  private readonly byHash = new Map<string, StoredAccount>();
  private readonly codes = new Map<string, Uint8Array>();

  private constructor(
    readonly root: Uint8Array,
    private readonly sorted: StoredAccount[],
    private readonly accountTrie: HashedTrie,
    codes: Iterable<Uint8Array>,
  ) {
    for (const a of sorted) this.byHash.set(bytesToHex(a.hash), a);
    for (const c of codes) this.codes.set(bytesToHex(keccak256(c)), c);
  }

  /** Reads and checks a dump file. */
  static async fromFile(path: string): Promise<DumpStateReader> {
    return DumpStateReader.fromJson(await readFile(path, 'utf8'));
  }

  /** Parses and checks a dump; throws {@link StateDumpError} if it is malformed or its roots do not match. */
  static async fromJson(text: string): Promise<DumpStateReader> {
    let json: { root?: string; accounts?: Record<string, DumpAccountJson> };
    try {
      json = JSON.parse(text) as typeof json;
    } catch (e) {
      throw new StateDumpError(`not JSON: ${(e as Error).message}`);
    }
    if (typeof json !== 'object' || json === null || json.accounts === undefined) throw new StateDumpError('no accounts');
    const root = parseHex(json.root, 'root');
    const accounts: StoredAccount[] = [];
    const codes: Uint8Array[] = [];
    for (const [name, a] of Object.entries(json.accounts)) {
      const hash = a.key !== undefined ? parseHex(a.key, `${name}.key`) : keccak256(parseHex(a.address ?? name, `${name}.address`));
      const account: StateAccount = {
        nonce: BigInt(a.nonce ?? 0),
        balance: BigInt(a.balance ?? '0'),
        storageRoot: parseHex(a.root, `${name}.root`),
        codeHash: a.codeHash === undefined ? EMPTY_CODE_HASH : parseHex(a.codeHash, `${name}.codeHash`),
      };
      if (a.code !== undefined && a.code !== '' && a.code !== '0x') {
        const code = parseHex(a.code, `${name}.code`);
        if (!equalBytes(keccak256(code), account.codeHash)) throw new StateDumpError(`${name}: code does not hash to codeHash`);
        codes.push(code);
      }
      const slots: SlotEntry[] = Object.entries(a.storage ?? {}).map(([slot, value]) => ({
        hash: keccak256(parseHex(slot, `${name}.storage key`)),
        value: encBytes(parseHex(value, `${name}.storage value`)),
      }));
      slots.sort((x, y) => compareBytes(x.hash, y.hash));
      const entry: StoredAccount = { hash, account, slots };
      if (slots.length > 0) {
        entry.storageTrie = await HashedTrie.build(slots.map((s) => [s.hash, s.value] as const));
        if (!equalBytes(entry.storageTrie.root, account.storageRoot)) throw new StateDumpError(`${name}: storage does not hash to its root`);
      }
      accounts.push(entry);
    }
    accounts.sort((x, y) => compareBytes(x.hash, y.hash));
    const trie = await HashedTrie.build(accounts.map((a) => [a.hash, encodeFullAccount(a.account)] as const));
    if (!equalBytes(trie.root, root)) throw new StateDumpError(`accounts hash to ${bytesToHex(trie.root)}, not the dump's root ${bytesToHex(root)}`);
    return new DumpStateReader(root, accounts, trie, codes);
  }

  /** Number of accounts in the dump. */
  get accountCount(): number {
    return this.sorted.length;
  }

  /** Every account, ascending by hash. */
  get allAccounts(): readonly AccountEntry[] {
    return this.sorted;
  }

  /** The slots of an account, ascending by hash (empty if it has none or does not exist). */
  slotsOf(accountHash: Uint8Array): readonly SlotEntry[] {
    return this.byHash.get(bytesToHex(accountHash))?.slots ?? [];
  }

  /** Every contract code in the dump. */
  get allCodes(): readonly Uint8Array[] {
    return [...this.codes.values()];
  }

  state(root: Uint8Array): StateView | undefined {
    return equalBytes(root, this.root) ? this : undefined;
  }

  code(hash: Uint8Array): Uint8Array | undefined {
    return this.codes.get(bytesToHex(hash));
  }

  accounts(origin: Uint8Array): Iterable<AccountEntry> {
    return from(this.sorted, origin);
  }

  storage(accountHash: Uint8Array, origin: Uint8Array): Iterable<SlotEntry> | undefined {
    const a = this.byHash.get(bytesToHex(accountHash));
    return a === undefined ? undefined : from(a.slots, origin);
  }

  proveAccount(key: Uint8Array): Promise<Uint8Array[]> {
    return this.accountTrie.prove(key);
  }

  async proveStorage(accountHash: Uint8Array, key: Uint8Array): Promise<Uint8Array[] | undefined> {
    const a = this.byHash.get(bytesToHex(accountHash));
    if (a === undefined) return undefined;
    // An account without storage has the empty trie: its proof is empty.
    return a.storageTrie === undefined ? [] : a.storageTrie.prove(key);
  }

  async trieNode(path: Uint8Array, accountHash?: Uint8Array): Promise<Uint8Array | undefined> {
    if (accountHash === undefined) return this.accountTrie.nodeAt(path);
    const a = this.byHash.get(bytesToHex(accountHash));
    if (a === undefined) return undefined;
    return a.storageTrie === undefined ? new Uint8Array(0) : a.storageTrie.nodeAt(path);
  }
}
