/**
 * The header store's figures for `npm run bench`: the store alone (2,000,000 synthetic headers
 * appended in a child process, then reopened and queried) and a 300,000-header sync in a child
 * process of its own (its peak RSS, then a resume). `--quick` runs a tenth of each.
 */
import { storeBench } from './store.js';
import { syncRssBench } from './sync-rss.js';

export interface StoreFigures {
  /** Readable rows: name, value, unit. */
  rows: [string, number, string][];
  /** Keys for the bench's final JSON line. */
  keys: Record<string, number>;
}

const r1 = (x: number) => Math.round(x * 10) / 10;

export async function storeFigures(opts: { quick: boolean; log: (s: string) => void }): Promise<StoreFigures> {
  const storeHeaders = opts.quick ? 200_000 : 2_000_000;
  const syncHeaders = opts.quick ? 30_000 : 300_000;
  opts.log(`header store, ${storeHeaders} headers...`);
  const s = await storeBench({ headers: storeHeaders, log: opts.log });
  opts.log(`header sync memory, ${syncHeaders} headers in a process of its own...`);
  const y = await syncRssBench({ headers: syncHeaders });
  return {
    rows: [
      [`header store: RSS growth per header appended (${storeHeaders})`, s.ramBytesPerHeader, 'B'],
      ['header store: reopen time per million headers', s.openMsPerMillion, 'ms'],
      ['header store: appends (store only)', s.appendPerS, '/s'],
      ['header store: random lookup by number', s.lookupByNumberUs, 'us'],
      ['header store: random lookup by hash', s.lookupByHashUs, 'us'],
      [`header sync of ${syncHeaders} headers: peak RSS of the syncing process`, y.maxRssMib, 'MiB'],
      [`header sync of ${syncHeaders} headers, separate processes`, y.headersPerS, '/s'],
      ['header sync resumed with nothing to fetch (whole run)', y.resumeMs, 'ms'],
    ],
    keys: {
      store_ram_bytes_per_header: r1(s.ramBytesPerHeader),
      store_open_ms_per_million: r1(s.openMsPerMillion),
      store_append_per_s: Math.round(s.appendPerS),
      store_lookup_by_number_us: r1(s.lookupByNumberUs),
      store_lookup_by_hash_us: r1(s.lookupByHashUs),
      store_disk_bytes_per_header: r1(s.diskBytesPerHeader),
      sync_max_rss_mib: r1(y.maxRssMib),
      sync_300k_headers_per_s: Math.round(y.headersPerS),
      sync_resume_ms: Math.round(y.resumeMs),
      sync_resume_open_ms: r1(y.resumeOpenMs),
    },
  };
}
