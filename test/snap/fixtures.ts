/** Shared snap test fixtures: geth's ethtest head state, loaded once. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { hexToBytes } from '../../src/common/bytes.js';
import { DumpStateReader } from '../../src/snap/state-dump.js';

export const HEADSTATE_PATH = fileURLToPath(new URL('../vectors/geth-ethtest/headstate.json', import.meta.url));

let cached: Promise<DumpStateReader> | undefined;
/** The ethtest chain's head state (48 accounts). */
export function headState(): Promise<DumpStateReader> {
  cached ??= DumpStateReader.fromJson(readFileSync(HEADSTATE_PATH, 'utf8'));
  return cached;
}

export const ZERO = new Uint8Array(32);
export const FF = new Uint8Array(32).fill(0xff);
/** The last account of the ethtest head state, as geth's snap-test names it. */
export const LAST_ACCOUNT = hexToBytes('ec3e92967d10ac66eff64a5697258b8acf87e661962b2938a0edcd78788f360d');

/** `h + n` as a 256-bit number (geth's `hashAdd`). */
export function hashAdd(h: Uint8Array, n: bigint): Uint8Array {
  let v = BigInt('0x' + Buffer.from(h).toString('hex')) + n;
  const out = new Uint8Array(32);
  for (let i = 31; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}
