/**
 * Small file helpers for the header store: exact positioned reads and writes (sync and on the
 * thread pool), fsync of data and of directories, and atomic small-file replacement.
 */
import { closeSync, constants, fdatasync, fsyncSync, openSync, readSync, renameSync, write, writeSync, fdatasyncSync } from 'node:fs';
import { dirname } from 'node:path';

/** Raised when the store's files are not what the store wrote (short, garbled or of another format). */
export class HeaderStoreError extends Error {
  constructor(
    message: string,
    /**
     * `format`: files of an unknown or newer format; `corrupt`: files that contradict each other;
     * `migration`: an old store that could not be converted; `state`: a call the store's state
     * does not allow (closed, an append in progress, no target); `chain`: headers that do not
     * extend the verified chain.
     */
    readonly kind: 'format' | 'corrupt' | 'migration' | 'state' | 'chain',
    readonly path: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'HeaderStoreError';
  }
}

/** Opens `path` for reading and writing, creating it if missing. */
export function openReadWrite(path: string): number {
  return openSync(path, constants.O_RDWR | constants.O_CREAT, 0o644);
}

/** Reads exactly `length` bytes at `position` (throws if the file is shorter). */
export function readAt(fd: number, length: number, position: number, path: string): Uint8Array {
  const buf = new Uint8Array(length);
  let got = 0;
  while (got < length) {
    const n = readSync(fd, buf, got, length - got, position + got);
    if (n === 0) throw new HeaderStoreError(`${path}: ${length} bytes at ${position} are past the end of the file`, 'corrupt', path);
    got += n;
  }
  return buf;
}

/** Writes all of `buf` at `position`. */
export function writeAtSync(fd: number, buf: Uint8Array, position: number): void {
  let done = 0;
  while (done < buf.length) done += writeSync(fd, buf, done, buf.length - done, position + done);
}

/** Writes all of `buf` at `position` on libuv's thread pool. */
export async function writeAt(fd: number, buf: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < buf.length) {
    done += await new Promise<number>((resolve, reject) => write(fd, buf, done, buf.length - done, position + done, (err, n) => (err ? reject(err) : resolve(n))));
  }
}

/** fdatasync on the thread pool. */
export function datasync(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fdatasync(fd, (err) => (err ? reject(err) : resolve())));
}

export { fdatasyncSync as datasyncSync };

/** fsyncs a directory, so renames and new files in it survive a power loss. */
export function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Some platforms cannot open or fsync a directory; the rename itself still happened.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Replaces `path` with `data` atomically: a temporary file, fsync, rename, fsync of the directory. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, 'w', 0o644);
  try {
    const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
    writeAtSync(fd, bytes, 0);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  fsyncDir(dirname(path));
}
