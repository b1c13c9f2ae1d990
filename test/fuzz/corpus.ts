/**
 * The regression corpus: test/corpus/<target>/<sha256 prefix>.hex, one input per file. A file
 * is comment lines starting with `#` (what found it, the error it caused) followed by the
 * input in hex (possibly over several lines). corpus.test.ts replays every file.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** test/corpus, found from this file both in test/fuzz and compiled in dist/test/fuzz. */
export function defaultCorpusDir(): string {
  const here = fileURLToPath(new URL('.', import.meta.url));
  return here.includes(join('dist', 'test', 'fuzz')) ? join(here, '..', '..', '..', 'test', 'corpus') : join(here, '..', 'corpus');
}

export interface CorpusEntry {
  target: string;
  file: string;
  input: Uint8Array;
  comments: string[];
}

/** Parses one corpus file. */
export function parseCorpusFile(text: string): { input: Uint8Array; comments: string[] } {
  const comments: string[] = [];
  let hex = '';
  for (const line of text.split('\n')) {
    const l = line.trim();
    if (l.startsWith('#')) comments.push(l.slice(1).trim());
    else hex += l;
  }
  if (!/^([0-9a-f]{2})*$/i.test(hex)) throw new Error('corpus file: input is not hex');
  return { input: Uint8Array.from(Buffer.from(hex, 'hex')), comments };
}

/** Every corpus file under `dir`, in a stable order. */
export function readCorpus(dir = defaultCorpusDir()): CorpusEntry[] {
  if (!existsSync(dir)) return [];
  const out: CorpusEntry[] = [];
  for (const target of readdirSync(dir).sort()) {
    const tdir = join(dir, target);
    let files: string[];
    try {
      files = readdirSync(tdir).filter((f) => f.endsWith('.hex')).sort();
    } catch {
      continue; // a stray file next to the target directories
    }
    for (const file of files) out.push({ target, file: join(tdir, file), ...parseCorpusFile(readFileSync(join(tdir, file), 'utf8')) });
  }
  return out;
}

/** Writes an input into `dir/<target>/`; returns the path (the same input always gets the same name). */
export function writeCorpusEntry(dir: string, target: string, input: Uint8Array, comments: string[]): string {
  const name = createHash('sha256').update(input).digest('hex').slice(0, 16);
  const tdir = join(dir, target);
  mkdirSync(tdir, { recursive: true });
  const hex = Buffer.from(input).toString('hex');
  const lines = [...comments.map((c) => `# ${c.replace(/\n/g, ' ')}`), ...(hex.match(/.{1,128}/g) ?? [''])];
  const path = join(tdir, `${name}.hex`);
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}
