/**
 * Regression test over test/corpus: every input the fuzzer ever saved (and the hand-made seeds
 * aimed at the limits) goes through its target again and must end in a decoded value or one
 * of the target's typed errors.
 */
import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCorpus } from './corpus.js';
import { FUZZ_TARGETS, runInput } from './targets.js';

const entries = readCorpus();
const known = new Set(FUZZ_TARGETS.map((t) => t.name));

describe('test/corpus replay', () => {
  it('holds the seeds: oversized lengths, deep nesting, truncated and oversized frames, the snappy length bomb', () => {
    const what = entries.flatMap((e) => e.comments).join('\n');
    for (const w of ['claims 2^32-1 bytes', 'nested lists', 'cut in the middle', 'length bomb', 'size prefix 0xffff']) expect(what).toContain(w);
  });

  for (const e of entries) {
    it(`${e.target}/${basename(e.file)}: ${e.comments.find((c) => !c.startsWith('target:')) ?? ''}`, () => {
      expect(known.has(e.target), `no fuzz target named ${e.target}`).toBe(true);
      const r = runInput(FUZZ_TARGETS.find((t) => t.name === e.target)!, e.input);
      if (r.kind === 'bug') throw new Error(r.why);
    });
  }
});
