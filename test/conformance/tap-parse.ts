/**
 * A small strict TAP 13 reader for the tests: it throws on any line that is not the version,
 * the plan, a test point, a comment or part of a YAML block, and on a plan that does not
 * match the test points.
 */
export interface TapTest {
  n: number;
  ok: boolean;
  name: string;
  skip?: string;
  yaml?: Record<string, unknown>;
}

export interface TapDoc {
  version: number;
  plan: number;
  tests: TapTest[];
}

/** Parses the YAML subset our reporter writes: `key: <JSON scalar>` and `key:` + `  - <JSON scalar>` lists. */
function parseYaml(lines: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  let list: unknown[] | undefined;
  for (const l of lines) {
    const item = /^ {4}- (.*)$/.exec(l);
    if (item && list) {
      list.push(JSON.parse(item[1]!));
      continue;
    }
    const kv = /^ {2}([a-z_]+):(?: (.*))?$/.exec(l);
    if (!kv) throw new Error(`bad YAML line: ${JSON.stringify(l)}`);
    if (kv[2] === undefined) out[kv[1]!] = list = [];
    else {
      out[kv[1]!] = JSON.parse(kv[2]);
      list = undefined;
    }
  }
  return out;
}

export function parseTap(text: string): TapDoc {
  const lines = text.split('\n').filter((l) => l !== '');
  if (lines[0] !== 'TAP version 13') throw new Error(`first line is ${JSON.stringify(lines[0])}`);
  const plan = /^1\.\.(\d+)$/.exec(lines[1] ?? '');
  if (!plan) throw new Error(`second line is not a plan: ${JSON.stringify(lines[1])}`);
  const tests: TapTest[] = [];
  for (let i = 2; i < lines.length; i++) {
    const l = lines[i]!;
    if (l.startsWith('#')) continue;
    if (l === '  ---') {
      const start = ++i;
      while (i < lines.length && lines[i] !== '  ...') i++;
      if (i >= lines.length) throw new Error('unterminated YAML block');
      const last = tests[tests.length - 1];
      if (!last) throw new Error('YAML block before any test point');
      last.yaml = parseYaml(lines.slice(start, i));
      continue;
    }
    const m = /^(not ok|ok) (\d+) - (.*?)(?: # SKIP (.*))?$/.exec(l);
    if (!m) throw new Error(`not a TAP line: ${JSON.stringify(l)}`);
    tests.push({ n: Number(m[2]), ok: m[1] === 'ok', name: m[3]!, ...(m[4] !== undefined ? { skip: m[4] } : {}) });
  }
  if (tests.length !== Number(plan[1])) throw new Error(`plan says ${plan[1]}, ${tests.length} test points`);
  return { version: 13, plan: Number(plan[1]), tests };
}
