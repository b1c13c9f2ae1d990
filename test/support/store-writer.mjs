// Child process for the kill -9 test: syncs a generated header chain into a store, chunk by
// chunk, forever slower than the parent's kill. Uses the built dist/ (npm test builds it first).
import { HeaderStore } from '../../dist/src/sync/headers/header-store.js';
import { makeHeader } from '../../dist/src/chain/header.js';

const [dir, countStr] = process.argv.slice(2);
const count = Number(countStr);
const chain = [];
for (let i = 0; i <= count; i++) {
  const parent = chain[i - 1];
  chain.push(makeHeader({
    parentHash: parent?.hash ?? new Uint8Array(32), uncleHash: new Uint8Array(32), coinbase: new Uint8Array(20),
    stateRoot: new Uint8Array(32).fill(i & 0xff), txRoot: new Uint8Array(32), receiptRoot: new Uint8Array(32),
    bloom: new Uint8Array(256), difficulty: 0n, number: BigInt(i), gasLimit: 30_000_000n, gasUsed: 0n,
    time: 1_700_000_000n + BigInt(i) * 12n, extra: new Uint8Array(0), mixDigest: new Uint8Array(32), nonce: new Uint8Array(8),
  }));
}
const store = HeaderStore.open(dir);
store.setTarget({ number: chain[count].number, hash: chain[count].hash });
process.stdout.write('ready\n');
let low = store.lowest === undefined ? count + 1 : Number(store.lowest);
if (store.lowest === undefined) { store.append([chain[count]]); low = count; }
for (;;) {
  const lo = Math.max(0, low - 50);
  if (lo === low) break;
  store.append(chain.slice(lo, low));
  low = lo;
  await new Promise((r) => setTimeout(r, 1));
}
process.stdout.write('done\n');
