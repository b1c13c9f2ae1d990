/**
 * `npm run bench:scale`: the header store at mainnet's length. Appends 24,000,000 synthetic
 * mainnet-shaped headers top-down (as header sync does) in a child process, reopens the store
 * and looks headers up at random; prints RSS, disk bytes per header, append rate, open time and
 * lookup latency, then one JSON object as the last line. Not part of `npm test` or `npm run
 * bench` (it takes tens of minutes and about 17 GB of disk). `--headers N` runs another length.
 */
import { parseArgs } from 'node:util';
import { storeBench } from './store.js';

const { values } = parseArgs({ options: { headers: { type: 'string', default: '24000000' } } });
const headers = Number(values.headers);
const t0 = performance.now();
const r = await storeBench({ headers, log: (s) => process.stderr.write(`${s}\n`) });
const lines: [string, string][] = [
  ['headers appended', r.headers.toLocaleString('en-US')],
  ['RSS growth per header after warm-up', `${r.ramBytesPerHeader.toFixed(2)} B`],
  ['RSS at the end of the append', `${r.appendRssMib.toFixed(0)} MiB`],
  ['peak RSS of the process (generator included)', `${r.maxRssMib.toFixed(0)} MiB`],
  ['disk bytes per header (all store files)', r.diskBytesPerHeader.toFixed(1)],
  ['append rate (store only)', `${Math.round(r.appendPerS).toLocaleString('en-US')} headers/s`],
  ['reopen', `${r.openMs.toFixed(1)} ms (${r.openMsPerMillion.toFixed(2)} ms per million headers)`],
  ['random lookup by number', `${r.lookupByNumberUs.toFixed(1)} us`],
  ['random lookup by hash', `${r.lookupByHashUs.toFixed(1)} us`],
  ['RSS after reopen and lookups', `${r.reopenRssMib.toFixed(0)} MiB`],
  ['generating the synthetic chain (both passes)', `${r.generateS.toFixed(0)} s`],
  ['whole run', `${((performance.now() - t0) / 1000).toFixed(0)} s`],
];
for (const [k, v] of lines) process.stdout.write(`${k.padEnd(48)}${v}\n`);
process.stdout.write(`${JSON.stringify(r)}\n`);
