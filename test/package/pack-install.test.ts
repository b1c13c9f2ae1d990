/**
 * The package as a user gets it: `npm pack`, the tarball installed into a fresh app, then
 * - `tsc` (strict, module NodeNext) type-checks examples/ and every ```ts block of README.md and
 *   docs/*.md against the installed package; the same again with `moduleResolution: bundler`;
 * - each example runs to a clean exit (code 0, by itself: an open handle would keep it alive
 *   past the bound).
 * Blocks that are deliberately fragments (names defined elsewhere) are marked ```ts fragment in
 * the Markdown, and are the only ones skipped. Skipped as a whole only when npm is not installed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const npmMissing = spawnSync('npm', ['--version'], { encoding: 'utf8' }).status !== 0;
/** How long one example may take to finish by itself. */
const EXAMPLE_EXIT_BOUND_MS = 120_000;
const EXAMPLES = readdirSync(join(ROOT, 'examples')).filter((f) => f.endsWith('.ts'));

/** The ```ts blocks of a Markdown file; ```ts fragment blocks are left out. */
function typescriptBlocks(markdown: string): { line: number; code: string }[] {
  const blocks: { line: number; code: string }[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.trim() !== '```ts') continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && lines[end]!.trim() !== '```') end++;
    blocks.push({ line: start + 1, code: lines.slice(start, end).join('\n') });
    i = end;
  }
  return blocks;
}

let app = '';

/**
 * Runs a program without blocking this worker (the test runner talks to it meanwhile); resolves
 * with its output and exit status, never rejects on a non-zero exit.
 */
async function run(file: string, args: string[], opts: { cwd: string; timeout?: number }): Promise<{ status: number | null; stdout: string; stderr: string; killed: boolean }> {
  try {
    const r = await promisify(execFile)(file, args, { ...opts, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, killSignal: 'SIGKILL' });
    return { status: 0, stdout: r.stdout, stderr: r.stderr, killed: false };
  } catch (err) {
    const e = err as { code?: number | string; stdout?: string; stderr?: string; killed?: boolean };
    return { status: typeof e.code === 'number' ? e.code : null, stdout: e.stdout ?? '', stderr: `${e.stderr ?? ''}${String(err)}`, killed: e.killed ?? false };
  }
}

async function mustRun(file: string, args: string[], cwd: string): Promise<string> {
  const r = await run(file, args, { cwd });
  if (r.status !== 0) throw new Error(`${file} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

describe.skipIf(npmMissing)('the packed tarball in a fresh TypeScript app (skipped only when npm is not installed)', () => {
  beforeAll(async () => {
    app = mkdtempSync(join(tmpdir(), 'devp2p-ts-pack-'));
    // `npm test` has built dist; prune-dist drops built files whose source is gone.
    await mustRun(process.execPath, ['scripts/prune-dist.mjs'], ROOT);
    const packed = JSON.parse(await mustRun('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', app], ROOT)) as { filename: string }[];
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'devp2p-ts-pack-app', private: true, type: 'module' }, null, 2));
    await mustRun('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--no-save', `./${packed[0]!.filename}`], app);

    mkdirSync(join(app, 'examples'));
    for (const f of EXAMPLES) copyFileSync(join(ROOT, 'examples', f), join(app, 'examples', f));
    mkdirSync(join(app, 'blocks'));
    const docs = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((n) => n.endsWith('.md')).map((n) => `docs/${n}`)];
    for (const doc of docs) {
      for (const b of typescriptBlocks(readFileSync(join(ROOT, doc), 'utf8'))) {
        // Each block is its own module; the line it starts at names the file, for tsc's errors.
        writeFileSync(join(app, 'blocks', `${doc.replace(/[/.]/g, '_')}_line${b.line}.ts`), `${b.code}\nexport {};\n`);
      }
    }
    const compilerOptions = {
      strict: true,
      target: 'ES2022',
      lib: ['ES2022'],
      types: ['node'],
      typeRoots: [join(ROOT, 'node_modules', '@types')],
      skipLibCheck: true,
      rootDir: '.',
      outDir: 'out',
    };
    writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({ compilerOptions: { ...compilerOptions, module: 'NodeNext', moduleResolution: 'NodeNext' }, include: ['examples/*.ts', 'blocks/*.ts'] }, null, 2));
    writeFileSync(join(app, 'tsconfig.bundler.json'), JSON.stringify({ compilerOptions: { ...compilerOptions, module: 'ESNext', moduleResolution: 'bundler', noEmit: true }, include: ['examples/*.ts', 'blocks/*.ts'] }, null, 2));
  }, 600_000);

  afterAll(() => {
    if (app) rmSync(app, { recursive: true, force: true });
  });

  async function tsc(project: string): Promise<{ status: number | null; output: string }> {
    const r = await run(process.execPath, [TSC, '-p', project], { cwd: app });
    return { status: r.status, output: r.status === 0 ? '' : `${r.stdout}${r.stderr}` };
  }

  it('examples and every ```ts block of README.md and docs type-check (strict, NodeNext), and emit', { timeout: 300_000 }, async () => {
    expect(readdirSync(join(app, 'blocks')).length).toBeGreaterThan(3);
    const r = await tsc('tsconfig.json');
    expect(r.output).toBe('');
    expect(r.status).toBe(0);
  });

  it('the same type-check passes under moduleResolution bundler', { timeout: 300_000 }, async () => {
    const r = await tsc('tsconfig.bundler.json');
    expect(r.output).toBe('');
    expect(r.status).toBe(0);
  });

  it('every subpath entry loads in Node, and test helpers are only in devp2p-ts/testing', { timeout: 120_000 }, async () => {
    const script = `
      const root = await import('devp2p-ts');
      const subs = ['enode','rlpx','discv4','discv5','eth','snap','chain','server','sync','conformance','dnsdisc','report','crypto','testing'];
      const counts = {};
      for (const s of subs) counts[s] = Object.keys(await import('devp2p-ts/' + s)).length;
      const testing = await import('devp2p-ts/testing');
      console.log(JSON.stringify({ counts, rootHasSimulation: 'Simulation' in root || 'UNSIGNED_SIGNER' in root || 'MemoryNetwork' in root,
        testing: ['Simulation','UNSIGNED_SIGNER','MemoryNetwork'].every((n) => n in testing),
        root: ['Server','EthService','EthPeer','HeaderSync','HeaderStore','runSyncNode','P2PNode','serverMetrics','serveMetrics','createLogger','SyncError','generateDevnetChain','MemoryChain','dial','generatePrivateKey','parseEnode'].filter((n) => !(n in root)) }));
    `;
    const out = await mustRun(process.execPath, ['--input-type=module', '-e', script], app);
    const r = JSON.parse(out) as { counts: Record<string, number>; rootHasSimulation: boolean; testing: boolean; root: string[] };
    for (const [sub, n] of Object.entries(r.counts)) expect(n, sub).toBeGreaterThan(0);
    expect(r.rootHasSimulation).toBe(false);
    expect(r.testing).toBe(true);
    expect(r.root).toEqual([]);
  });

  it.each(EXAMPLES)('examples/%s runs to a clean exit', { timeout: EXAMPLE_EXIT_BOUND_MS + 10_000 }, async (file) => {
    const js = join(app, 'out', 'examples', file.replace(/\.ts$/, '.js'));
    const r = await run(process.execPath, [js], { cwd: app, timeout: EXAMPLE_EXIT_BOUND_MS });
    expect(r.killed, `${file} still running after ${EXAMPLE_EXIT_BOUND_MS} ms: ${r.stderr}`).toBe(false);
    expect(r.status, `${file}: ${r.stderr}`).toBe(0);
    expect(r.stdout.length).toBeGreaterThan(0);
  });
});
