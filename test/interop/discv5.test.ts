/**
 * Discovery v5 against go-ethereum's `devp2p` (v1.17.10), on loopback:
 * - geth's conformance suite (`devp2p discv5 test`, 10 tests; testers on 127.0.0.1 and
 *   127.0.0.2) against `devp2p-ts discv5 listen`, once per crypto backend, side by side;
 * - our discv5 (in process) and geth's `devp2p discv5 listen` both ways: we ping it, fetch its
 *   record and query it with FINDNODE; it (`devp2p discv5 ping`, `resolve`) pings us and fetches
 *   ours; it starts with no bootnodes, so our node enters its table only through the handshake
 *   of our first PING: then its lookups (JSON-RPC discv5_lookupRandom) return our node, and once
 *   it has revalidated us its FINDNODE answer at our distance contains us.
 * Skipped without Go.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePrivateKey } from '../../src/crypto/secp256k1.js';
import { enrFromText, enrToText } from '../../src/enode/enr.js';
import { logDistance, nodeFromEnr, type DiscNode } from '../../src/discv4/node.js';
import { Discv5 } from '../../src/discv5/discv5.js';
import { buildTool, freePort, goBinary, run } from './geth-harness.js';
import { check, record } from './report.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const GETH = 'devp2p v1.17.10 discv5';
const SUITE_TESTS = 10;
/** geth's devp2p falls back to the mainnet bootnodes without this: every geth node here must stay on loopback. */
const NO_BOOTNODES = ['--bootnodes', ''];

/** Starts a process and resolves with it once a line of its stdout matches `line`. */
function startAndWait(cmd: string, args: string[], line: RegExp, env: NodeJS.ProcessEnv = process.env): Promise<{ child: ChildProcess; match: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${cmd} printed no ${line} within 20 s:\n${out}`));
    }, 20_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = line.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, match: m[0] });
      }
    });
    child.stderr!.resume();
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${cmd} exited (${code}) before printing ${line}:\n${out}`));
    });
  });
}

function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 3000).unref();
  });
}

async function runSuite(devp2p: string, backend: 'fast' | 'pure'): Promise<{ lines: string[]; out: string }> {
  const port = await freePort();
  const { child, match } = await startAndWait(process.execPath, [`${ROOT}dist/src/cli/main.js`, 'discv5', 'listen', '--addr', `127.0.0.1:${port}`], /^enr:[A-Za-z0-9_-]+$/m, { ...process.env, DEVP2P_CRYPTO: backend });
  try {
    const out = await run(devp2p, ['discv5', 'test', '-listen1', '127.0.0.1', '-listen2', '127.0.0.2', '-tap', match], { timeoutMs: 600_000, stderr: 'ignore' }).catch((err: Error) => err.message);
    return { lines: out.split('\n'), out };
  } finally {
    await stop(child);
  }
}

/** Retries `fn` until it returns a value or `ms` pass. */
async function eventually<T>(ms: number, fn: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error(`not within ${ms} ms${last ? `: ${String(last)}` : ''}`);
}

describe.skipIf(!goBinary())('discv5 against geth devp2p v1.17.10', () => {
  let devp2p: string;

  beforeAll(async () => {
    devp2p = await buildTool('devp2p', 'v1.17.10');
    await run('npx', ['--no-install', 'tsc', '-p', 'tsconfig.json'], { cwd: ROOT, timeoutMs: 300_000 });
  }, 1_500_000);

  it(`devp2p discv5 test: ${SUITE_TESTS}/${SUITE_TESTS} against discv5 listen, on the fast and on the pure crypto backend`, async () => {
    const backends = ['fast', 'pure'] as const;
    const runs = await Promise.all(backends.map((b) => runSuite(devp2p, b)));
    backends.forEach((backend, i) => {
      const { lines, out } = runs[i]!;
      const node = backend === 'fast' ? `${GETH} test` : `${GETH} test (pure crypto)`;
      for (const l of lines) {
        const m = /^(ok|not ok) \d+ (\S+)/.exec(l);
        if (m) record({ node, check: m[2]!, status: m[1] === 'ok' ? 'passed' : 'failed', ms: 0 });
      }
      expect(lines.filter((l) => /^not ok \d+/.test(l)), `${backend}:\n${out.slice(-4000)}`).toEqual([]);
      expect(lines.filter((l) => /^ok \d+/.test(l)).length, backend).toBe(SUITE_TESTS);
    });
  }, 900_000);

  describe('our node and devp2p discv5 listen, both ways', () => {
    let ours: Discv5;
    let geth: ChildProcess | undefined;
    let gethNode: DiscNode;
    let rpcUrl: string;

    beforeAll(async () => {
      ours = await Discv5.listen({ ip: '127.0.0.1', port: 0 }, { privateKey: generatePrivateKey(), revalidateIntervalMs: 500 });
      ours.start();
      const [port, rpc] = [await freePort(), await freePort()];
      rpcUrl = `http://127.0.0.1:${rpc}`;
      const started = await startAndWait(devp2p, ['discv5', 'listen', '--addr', `127.0.0.1:${port}`, '--rpc', `127.0.0.1:${rpc}`, ...NO_BOOTNODES], /^enr:[A-Za-z0-9_-]+$/m);
      geth = started.child;
      gethNode = nodeFromEnr(enrFromText(started.match))!;
    }, 60_000);

    afterAll(async () => {
      await ours?.close();
      await stop(geth);
    });

    const rpcCall = async <T>(method: string, params: unknown[]): Promise<T> => {
      const res = await fetch(rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
      const body = (await res.json()) as { result?: T; error?: { message: string } };
      if (body.error) throw new Error(body.error.message);
      return body.result as T;
    };

    it('we ping it (handshake, then a PING on the session) and fetch its record', async () => {
      await check(GETH, 'our PING -> its PONG', async () => {
        const pong = await ours.ping(gethNode);
        expect(pong.toIp).toBe('127.0.0.1');
        expect(pong.toPort).toBe(ours.localAddress.port);
        await ours.ping(gethNode);
        expect(ours.stats.handshakes).toBe(0); // we initiated: the handshake counter counts the ones we answered
      });
      await check(GETH, 'our requestenr (FINDNODE 0)', async () => {
        const enr = await ours.requestEnr(gethNode);
        expect(enr.nodeId).toEqual(gethNode.id);
        expect(enr.seq).toBe(gethNode.enr!.seq);
      });
      await check(GETH, 'our TALKREQ -> its empty TALKRESP', async () => {
        expect((await ours.talkRequest(gethNode, 'unknown-protocol', new Uint8Array([1, 2, 3]))).length).toBe(0);
      });
    });

    it('it pings us and resolves our record (devp2p discv5 ping / resolve)', async () => {
      await check(GETH, 'its PING -> our PONG', async () => {
        const out = await run(devp2p, ['discv5', 'ping', ...NO_BOOTNODES, enrToText(ours.localEnr)], { timeoutMs: 30_000, stderr: 'ignore' });
        expect(out.trim()).toBe('<nil>');
      });
      await check(GETH, 'its resolve of our record', async () => {
        const out = await run(devp2p, ['discv5', 'resolve', ...NO_BOOTNODES, enrToText(ours.localEnr)], { timeoutMs: 30_000, stderr: 'ignore' });
        const enr = enrFromText(out.trim());
        expect(enr.nodeId).toEqual(ours.selfId);
        expect(enr.seq).toBe(ours.localEnr.seq);
      });
    });

    it('our node is in its table: its lookups return us, and its FINDNODE at our distance does once we are live', async () => {
      await check(GETH, 'its lookup (discv5_lookupRandom) returns our node', async () => {
        const found = await eventually(30_000, async () => {
          const nodes = await rpcCall<string[]>('discv5_lookupRandom', [4]);
          return nodes.some((t) => enrFromText(t).nodeId.every((b, i) => b === ours.selfId[i])) ? nodes : undefined;
        });
        expect(found.length).toBeGreaterThan(0);
      });
      await check(GETH, 'its FINDNODE answer at our distance contains us', async () => {
        const d = logDistance(gethNode.id, ours.selfId);
        const nodes = await eventually(60_000, async () => {
          const r = await ours.findNode(gethNode, [d]);
          return r.some((n) => n.idHex === ours.self.idHex) ? r : undefined;
        });
        expect(nodes.map((n) => n.idHex)).toContain(ours.self.idHex);
      });
      await check(GETH, 'our lookup finds it', async () => {
        ours.addNode(gethNode);
        const { nodes } = await ours.lookup();
        expect(nodes.map((n) => n.idHex)).toContain(gethNode.idHex);
      });
    }, 120_000);
  });
});
