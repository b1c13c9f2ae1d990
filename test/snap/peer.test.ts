/**
 * SnapPeer over loopback RLPx sessions: our client against our server over geth's ethtest head
 * state (everything fetched is verified), and against a raw peer that answers wrongly (bad
 * proofs, oversize replies, unsolicited responses, malformed messages, silence).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { bytesToHex, equalBytes } from '../../src/common/bytes.js';
import { DisconnectReason } from '../../src/rlpx/disconnect-reason.js';
import type { Session, SessionMessage } from '../../src/rlpx/session.js';
import { decodeSlimAccount, EMPTY_CODE_HASH, EMPTY_ROOT_HASH, encodeSlimAccount } from '../../src/snap/account.js';
import { SnapProtocolError, SnapRequestError } from '../../src/snap/errors.js';
import { decodeGetAccountRange, encodeAccountRange, encodeGetTrieNodes, type AccountRange } from '../../src/snap/messages/index.js';
import { SnapPeer, type SnapPenalty } from '../../src/snap/peer.js';
import { snapCapability, SnapMessageCode, type SnapVersion } from '../../src/snap/protocol.js';
import { serveAccountRange } from '../../src/snap/serve.js';
import { nibblesToCompact } from '../../src/snap/trie.js';
import { keccak256 } from '../../src/crypto/keccak.js';
import { nextClose, sessionPair, type Cleanup } from '../eth/loopback.js';
import { FF, hashAdd, headState, ZERO } from './fixtures.js';

const cleanups: Cleanup[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function pair(version: SnapVersion = 1): Promise<[Session, Session]> {
  return sessionPair([snapCapability(version)], [snapCapability(version)], cleanups);
}

/** Our client on one side and our server (over the head state) on the other. */
async function clientAndServer(version: SnapVersion = 1) {
  const state = await headState();
  const [out, inbound] = await pair(version);
  SnapPeer.fromSession(inbound, { state });
  return { client: SnapPeer.fromSession(out), state, out, inbound };
}

/** A raw snap side: answers requests with `answer` (or not at all). */
function rawServer(session: Session, answer: (m: SessionMessage) => void): void {
  session.on('message', (m) => {
    if (m.capability === 'snap') answer(m);
  });
}

describe('SnapPeer against our server over the ethtest head state', () => {
  it('fetches the whole account range at the head root in one request, proved, as many accounts as the dump', async () => {
    const { client, state } = await clientAndServer();
    const res = await client.getAccountRange({ root: state.root, bytes: 500n * 1024n });
    expect(res.available).toBe(true);
    expect(res.more).toBe(false);
    expect(res.accounts.length).toBe(state.accountCount);
    expect(res.accounts.map((a) => bytesToHex(a.hash))).toEqual(state.allAccounts.map((a) => bytesToHex(a.hash)));
  });

  it('pages through the account range with a small byte limit until no more remain', async () => {
    const { client, state } = await clientAndServer();
    const got: string[] = [];
    let origin: Uint8Array = ZERO;
    for (let round = 0; round < 100; round++) {
      const res = await client.getAccountRange({ root: state.root, origin, bytes: 500n });
      got.push(...res.accounts.map((a) => bytesToHex(a.hash)));
      if (!res.more) break;
      origin = hashAdd(res.accounts.at(-1)!.hash, 1n);
    }
    expect(got).toEqual(state.allAccounts.map((a) => bytesToHex(a.hash)));
  });

  it('says the state is unavailable for a root the server does not have', async () => {
    const { client } = await clientAndServer();
    const res = await client.getAccountRange({ root: FF });
    expect(res).toMatchObject({ available: false, accounts: [] });
  });

  it('fetches and verifies the storage of every contract account', async () => {
    const { client, state } = await clientAndServer();
    const accounts = state.allAccounts.filter((a) => !equalBytes(a.account.storageRoot, EMPTY_ROOT_HASH)).map((a) => ({ hash: a.hash, storageRoot: a.account.storageRoot }));
    const res = await client.getStorageRanges({ root: state.root, accounts });
    expect(res.slots.length).toBe(accounts.length);
    res.slots.forEach((list, i) => expect(list.length).toBe(state.slotsOf(accounts[i]!.hash).length));
    expect(res.more).toBe(false);
  });

  it('fetches a storage range starting past zero, proved against the storage root', async () => {
    const { client, state } = await clientAndServer();
    const acct = state.allAccounts.filter((a) => state.slotsOf(a.hash).length > 2)[0]!;
    const slots = state.slotsOf(acct.hash);
    const res = await client.getStorageRanges({ root: state.root, accounts: [{ hash: acct.hash, storageRoot: acct.account.storageRoot }], origin: slots[1]!.hash });
    expect(res.slots[0]!.length).toBe(slots.length - 1);
  });

  it('fetches every bytecode, each checked against its hash', async () => {
    const { client, state } = await clientAndServer();
    const hashes = state.allCodes.map((c) => keccak256(c));
    const res = await client.getByteCodes({ hashes: [...hashes, EMPTY_CODE_HASH] });
    expect(res.length).toBe(hashes.length + 1);
  });

  it('fetches trie nodes by path, checked against expected hashes', async () => {
    const { client, state } = await clientAndServer();
    const nodes = await client.getTrieNodes({ root: state.root, paths: [[nibblesToCompact([])]], expected: [state.root] });
    expect(bytesToHex(keccak256(nodes[0]!))).toBe(bytesToHex(state.root));
  });

  it('on snap/2 fetches access lists (unavailable: undefined) and refuses GetTrieNodes before sending', async () => {
    const { client, state } = await clientAndServer(2);
    expect(client.version).toBe(2);
    expect(await client.getAccessLists({ hashes: [FF, ZERO] })).toEqual([undefined, undefined]);
    await expect(client.getTrieNodes({ root: state.root, paths: [[new Uint8Array(0)]] })).rejects.toMatchObject({ reason: 'unsupported' });
  });
});

describe('SnapPeer against a peer that answers wrongly', () => {
  async function tampered(edit: (res: AccountRange) => void) {
    const state = await headState();
    const [out, inbound] = await pair();
    rawServer(inbound, (m) => {
      void serveAccountRange(state, decodeGetAccountRange(m.data)).then((res) => {
        edit(res);
        inbound.send('snap', SnapMessageCode.AccountRange, encodeAccountRange(res));
      });
    });
    const penalties: SnapPenalty[] = [];
    const client = SnapPeer.fromSession(out);
    (client as unknown as { transport: { penalize: (k: SnapPenalty) => void } }).transport.penalize = (k) => penalties.push(k);
    return { client, state, penalties };
  }

  it('rejects an account range whose proof does not hold (an account dropped), and penalises', async () => {
    const { client, state, penalties } = await tampered((res) => res.accounts.splice(3, 1));
    const err = await client.getAccountRange({ root: state.root }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SnapRequestError);
    expect((err as SnapRequestError).reason).toBe('proof');
    expect(penalties).toContain('invalid-message');
  });

  it('rejects an account range with a changed balance', async () => {
    const { client, state } = await tampered((res) => {
      const a = decodeSlimAccount(res.accounts[0]!.body);
      res.accounts[0]!.body = encodeSlimAccount({ ...a, balance: a.balance + 1n });
    });
    await expect(client.getAccountRange({ root: state.root })).rejects.toMatchObject({ reason: 'proof' });
  });

  it('rejects a reply that goes past the byte limit', async () => {
    const state = await headState();
    // The raw server ignores the limit: it answers with the whole range to a 100-byte request.
    const [out2, in2] = await pair();
    rawServer(in2, (m) => void serveAccountRange(state, { ...decodeGetAccountRange(m.data), bytes: 100_000n }).then((res) => in2.send('snap', SnapMessageCode.AccountRange, encodeAccountRange(res))));
    await expect(SnapPeer.fromSession(out2).getAccountRange({ root: state.root, bytes: 100n })).rejects.toMatchObject({ reason: 'oversize' });
  });

  it('disconnects a peer that sends a response to a request never made', async () => {
    const [out, inbound] = await pair();
    const client = SnapPeer.fromSession(out);
    inbound.send('snap', SnapMessageCode.AccountRange, encodeAccountRange({ requestId: 99n, accounts: [], proof: [] }));
    const info = await nextClose(out);
    expect(info.reason).toBe(DisconnectReason.SubprotocolError);
    expect(info.error).toBeInstanceOf(SnapProtocolError);
    expect((info.error as SnapProtocolError).reason).toBe('unsolicited');
    expect(client.closeInfo).toBeDefined();
  });

  it('disconnects a peer that sends a malformed message', async () => {
    const [out, inbound] = await pair();
    SnapPeer.fromSession(out);
    inbound.send('snap', SnapMessageCode.GetAccountRange, Uint8Array.of(0xc1, 0x01));
    const info = await nextClose(out);
    expect(info.reason).toBe(DisconnectReason.SubprotocolError);
    expect((info.error as SnapProtocolError).reason).toBe('decode');
  });

  it('a snap/2 server disconnects a peer that sends GetTrieNodes (removed in snap/2)', async () => {
    const state = await headState();
    const [out, inbound] = await pair(2);
    SnapPeer.fromSession(inbound, { state });
    out.send('snap', SnapMessageCode.GetTrieNodes, encodeGetTrieNodes({ requestId: 1n, root: state.root, paths: [[Uint8Array.of(0)]], bytes: 5000n }));
    const info = await nextClose(inbound);
    expect(info.reason).toBe(DisconnectReason.SubprotocolError);
    expect((info.error as SnapProtocolError).reason).toBe('unknown-code');
  });

  it('times out a request the peer never answers, and aborts one on its signal', async () => {
    const [out, inbound] = await pair();
    rawServer(inbound, () => {});
    const client = SnapPeer.fromSession(out, { requestTimeoutMs: 100 });
    await expect(client.getAccountRange({ root: FF })).rejects.toMatchObject({ reason: 'timeout' });
    const ac = new AbortController();
    const p = client.getByteCodes({ hashes: [EMPTY_CODE_HASH] }, { signal: ac.signal, timeoutMs: 5000 });
    ac.abort();
    await expect(p).rejects.toMatchObject({ reason: 'aborted' });
  });

  it('drops a late answer to a request that timed out instead of disconnecting', async () => {
    const [out, inbound] = await pair();
    const seen: bigint[] = [];
    rawServer(inbound, (m) => seen.push(decodeGetAccountRange(m.data).requestId));
    const client = SnapPeer.fromSession(out, { requestTimeoutMs: 50 });
    await expect(client.getAccountRange({ root: FF })).rejects.toMatchObject({ reason: 'timeout' });
    inbound.send('snap', SnapMessageCode.AccountRange, encodeAccountRange({ requestId: seen[0]!, accounts: [], proof: [] }));
    // A later request still works on the same session: the late answer did not end it.
    rawServer(inbound, (m) => inbound.send('snap', SnapMessageCode.AccountRange, encodeAccountRange({ requestId: decodeGetAccountRange(m.data).requestId, accounts: [], proof: [] })));
    const res = await client.getAccountRange({ root: FF }, { timeoutMs: 2000 });
    expect(res.available).toBe(false);
    expect(out.closeInfo).toBeUndefined();
  });

  it('fails requests in flight when the session closes', async () => {
    const [out, inbound] = await pair();
    rawServer(inbound, () => void inbound.disconnect());
    await expect(SnapPeer.fromSession(out).getAccountRange({ root: FF })).rejects.toMatchObject({ reason: 'disconnected' });
  });
});
