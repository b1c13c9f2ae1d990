/**
 * The checks can fail: against deliberately broken peers the check for the rule they break
 * fails, with a reason that names what was wrong.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { discv4Checks } from '../../src/conformance/discv4/suite.js';
import { ethChecks } from '../../src/conformance/eth/suite.js';
import { runChecks } from '../../src/conformance/runner.js';
import type { CheckResult } from '../../src/conformance/check.js';
import { generateDevnetChain } from '../../src/chain/devnet-chain.js';
import { startBrokenDiscv4Node, startBrokenEthNode, startSilentServer } from './broken-peers.js';

const READ_MS = 500;
const devnet = generateDevnetChain({ length: 8, seed: 'broken peers' });
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
});

function byName(results: CheckResult[]): Record<string, CheckResult> {
  return Object.fromEntries(results.map((r) => [r.name, r]));
}

describe('eth checks against broken eth nodes', () => {
  it('a node that echoes a wrong request ID fails the request-ID checks', async () => {
    const n = await startBrokenEthNode(devnet.network, devnet.chain, { wrongRequestId: true }, READ_MS);
    closers.push(n.close);
    const r = byName(await runChecks(ethChecks([69]), n.target, { filter: /RequestID\/(Echo|Zero)$/ }));
    expect(r['eth/69/RequestID/Echo']).toMatchObject({ status: 'fail', reason: `BlockHeaders carries request ID ${0xfedcba9876543211n}, the request had ${0xfedcba9876543210n}` });
    expect(r['eth/69/RequestID/Zero']).toMatchObject({ status: 'fail', reason: 'BlockHeaders carries request ID 1, the request had 0' });
  });

  it('a node that answers with more headers than asked fails the count check', async () => {
    const n = await startBrokenEthNode(devnet.network, devnet.chain, { extraHeader: true }, READ_MS);
    closers.push(n.close);
    const [r] = await runChecks(ethChecks([68]), n.target, { filter: /AtMostAmount$/ });
    expect(r).toMatchObject({ name: 'eth/68/GetBlockHeaders/AtMostAmount', status: 'fail', reason: '3 headers for a query of at most 2 (from number 0, amount 2, skip 0)' });
  });

  it('a node that accepts any Status fails the Status refusal checks, and passes the exchange itself', async () => {
    const n = await startBrokenEthNode(devnet.network, devnet.chain, {}, READ_MS);
    closers.push(n.close);
    const r = byName(await runChecks(ethChecks([70]), n.target, { filter: /\/Status(\/(WrongGenesis|IncompatibleForkID|EarliestAfterLatest))?$/ }));
    expect(r['eth/70/Status']!.status).toBe('pass');
    expect(r['eth/70/Status/WrongGenesis']).toMatchObject({ status: 'fail', reason: `node kept the session open ${READ_MS} ms after a Status with WrongGenesis` });
    expect(r['eth/70/Status/IncompatibleForkID']!.status).toBe('fail');
    expect(r['eth/70/Status/EarliestAfterLatest']!.status).toBe('fail');
  });

  it('a server that never answers or closes fails the handshake checks instead of hanging', async () => {
    const n = await startSilentServer(200);
    closers.push(n.close);
    const r = byName(await runChecks(ethChecks([]), n.target, { filter: /GarbageAuth|MessageBeforeHello|rlpx\/Ping/ }));
    expect(r['rlpx/Handshake/GarbageAuth']).toMatchObject({ status: 'fail', reason: 'node kept the connection open 400 ms after a GarbageAuth auth' });
    expect(r['rlpx/Hello/MessageBeforeHello']).toMatchObject({ status: 'fail', reason: 'no ack within 200 ms' });
    expect(r['rlpx/Ping']).toMatchObject({ status: 'fail', reason: 'cannot connect: handshake timeout after 200 ms' });
  });
});

describe('discv4 checks against a broken discv4 node', () => {
  it('a node that answers FindNode without an endpoint proof fails the amplification checks', async () => {
    const n = await startBrokenDiscv4Node({}, 500);
    closers.push(n.close);
    const r = byName(await runChecks(discv4Checks(), n.target, { filter: /FindNode\/WithoutEndpointProof|FindNode\/PastExpiration|WrongIP/ }));
    expect(r['discv4/FindNode/WithoutEndpointProof']).toMatchObject({ status: 'fail', reason: 'node answered a FindNode from an unverified sender with 1 Neighbors packet(s)' });
    expect(r['discv4/FindNode/PastExpiration']).toMatchObject({ status: 'fail', reason: 'node answered an expired FindNode with 1 Neighbors packet(s)' });
    expect(r['discv4/Amplification/WrongIP']!.status).toBe('fail');
  });

  it('a Pong with a wrong reply token, or no Ping back, fails Ping/Basic', async () => {
    const wrong = await startBrokenDiscv4Node({ wrongPongToken: true }, 500);
    closers.push(wrong.close);
    const [a] = await runChecks(discv4Checks(), wrong.target, { filter: /Ping\/Basic/ });
    expect(a!.status).toBe('fail');
    expect(a!.reason).toMatch(/^Pong reply token 0101(01)+ is not the Ping hash [0-9a-f]{64}$/);
    const silent = await startBrokenDiscv4Node({ noPingBack: true }, 500);
    closers.push(silent.close);
    const [b] = await runChecks(discv4Checks(), silent.target, { filter: /Ping\/Basic/ });
    expect(b!.status).toBe('fail');
    expect(b!.reason).toMatch(/^no Ping back/);
  });
});
