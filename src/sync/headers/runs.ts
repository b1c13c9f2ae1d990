/**
 * Which block number each table position holds. Header sync stores a chain top-down, so the
 * table is a sequence of runs: a run starts at a table position with a header of some number,
 * and each later position of the run holds the parent of the one before (number one lower),
 * until the next run starts. A run starts when a sync begins at a new target, or continues a
 * chain below headers that are not the last ones written.
 *
 * `runs.dat` holds one fixed-width record per run (16 bytes: start position and top number,
 * little-endian), written and fsynced before the run's first header, so a record always exists
 * for every stored header; a record whose run got no header (a crash right after it) is dropped
 * at open. There are few runs (one per sync target, about), so they are kept in memory.
 */
import { closeSync, fstatSync, ftruncateSync } from 'node:fs';
import { join } from 'node:path';
import { datasyncSync, HeaderStoreError, openReadWrite, readAt, writeAtSync } from './files.js';

export const RUNS_FILE = 'runs.dat';
const RECORD = 16;

/** A run: positions `start .. end - 1` hold numbers `top, top - 1, ...`. */
export interface Run {
  readonly start: number;
  readonly top: number;
  /** One past the run's last position. */
  end: number;
}

export class Runs {
  private readonly fd: number;
  private readonly list: Run[] = [];

  private constructor(dir: string, tableCount: number) {
    const path = join(dir, RUNS_FILE);
    this.fd = openReadWrite(path);
    const size = fstatSync(this.fd).size;
    const records = Math.floor(size / RECORD);
    const bytes = records === 0 ? new Uint8Array(0) : readAt(this.fd, records * RECORD, 0, path);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let valid = 0;
    for (let i = 0; i < records; i++) {
      const start = view.getUint32(i * RECORD, true) + view.getUint32(i * RECORD + 4, true) * 2 ** 32;
      const top = view.getUint32(i * RECORD + 8, true) + view.getUint32(i * RECORD + 12, true) * 2 ** 32;
      const prev = this.list[this.list.length - 1];
      if (start >= tableCount || (prev !== undefined && start <= prev.start)) break;
      if (i === 0 && start !== 0) throw new HeaderStoreError(`${path}: the first run starts at ${start}, not 0`, 'corrupt', path);
      this.list.push({ start, top, end: tableCount });
      if (prev !== undefined) prev.end = start;
      valid++;
    }
    if (tableCount > 0 && valid === 0) throw new HeaderStoreError(`${path}: ${tableCount} headers stored but no run describes them`, 'corrupt', path);
    for (const r of this.list) {
      if (r.top - (r.end - r.start - 1) < 0) throw new HeaderStoreError(`${path}: run at ${r.start} goes below block 0`, 'corrupt', path);
    }
    if (valid * RECORD !== size) {
      ftruncateSync(this.fd, valid * RECORD);
      datasyncSync(this.fd);
    }
  }

  /** Reads the runs of a table holding `tableCount` items. */
  static open(dir: string, tableCount: number): Runs {
    return new Runs(dir, tableCount);
  }

  get all(): readonly Run[] {
    return this.list;
  }

  get last(): Run | undefined {
    return this.list[this.list.length - 1];
  }

  /** The run holding `position`. */
  runAt(position: number): Run | undefined {
    let lo = 0;
    let hi = this.list.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const r = this.list[mid]!;
      if (position < r.start) hi = mid - 1;
      else if (position >= r.end) lo = mid + 1;
      else return r;
    }
    return undefined;
  }

  /** The block number at `position`. */
  numberAt(position: number): number | undefined {
    const r = this.runAt(position);
    return r === undefined ? undefined : r.top - (position - r.start);
  }

  /** Records a new run starting at `start` (the table's count) with a header numbered `top`; durable on return. */
  begin(start: number, top: number): Run {
    // A run left empty (its write failed) is replaced, so run starts keep increasing.
    if (this.last !== undefined && this.last.end === this.last.start) this.list.pop();
    const prev = this.last;
    if (prev !== undefined && start < prev.end) throw new RangeError(`a run cannot start at ${start}, inside the previous one`);
    const rec = new Uint8Array(RECORD);
    const view = new DataView(rec.buffer);
    view.setUint32(0, start >>> 0, true);
    view.setUint32(4, Math.floor(start / 2 ** 32), true);
    view.setUint32(8, top >>> 0, true);
    view.setUint32(12, Math.floor(top / 2 ** 32), true);
    writeAtSync(this.fd, rec, this.list.length * RECORD);
    datasyncSync(this.fd);
    const run: Run = { start, top, end: start };
    this.list.push(run);
    return run;
  }

  /** Notes that the last run now ends at `end` (its headers were written). */
  grow(end: number): void {
    this.last!.end = end;
  }

  close(): void {
    closeSync(this.fd);
  }
}
