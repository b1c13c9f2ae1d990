/**
 * eth/71 block access lists (EIP-8159, geth v1.17.10 `eth71.go`): GetBlockAccessLists answers
 * each hash in request order (the tail may be cut), with the RLP empty string for a list the node
 * does not have; a list it sends hashes to the block-access-list hash its header commits to.
 */
import { bytesToHex, equalBytes } from '../../common/bytes.js';
import { RlpReader } from '../../common/rlp-reader.js';
import type { BlockHeader } from '../../chain/header.js';
import { keccak256 } from '../../crypto/keccak.js';
import { decodeBlockAccessLists, encodeGetBlockAccessLists } from '../../eth/messages/access-lists.js';
import { EthMessageCode, type EthVersion } from '../../eth/protocol.js';
import { CheckFailure, ensure, type Check } from '../check.js';
import { EthConn } from './conn.js';
import { ensureRequestId, getHeaders, randomHash, randomRequestId, remoteHead } from './requests.js';
import { handshake } from './status.js';
import type { EthTarget } from './target.js';

/** Sends a GetBlockAccessLists and reads its entries (request ID and count checked, each an RLP list or the empty string). */
async function getBlockAccessLists(conn: EthConn, hashes: readonly Uint8Array[]): Promise<Uint8Array[]> {
  const requestId = randomRequestId();
  conn.send(EthMessageCode.GetBlockAccessLists, encodeGetBlockAccessLists({ requestId, hashes: [...hashes] }));
  const m = await conn.next([EthMessageCode.BlockAccessLists], 'BlockAccessLists');
  let r;
  try {
    r = decodeBlockAccessLists(m.data);
  } catch (err) {
    throw new CheckFailure(`BlockAccessLists does not decode: ${(err as Error).message}`);
  }
  ensureRequestId('BlockAccessLists', r.requestId, requestId);
  ensure(r.accessLists.length <= hashes.length, () => `${r.accessLists.length} entries for ${hashes.length} hashes`);
  return r.accessLists;
}

const unavailable = (e: Uint8Array) => e.length === 1 && e[0] === 0x80;

/** The header's block-access-list hash: the first field after requestsHash (geth `Header.BlockAccessListHash`), if it has one. */
function accessListHash(h: BlockHeader): Uint8Array | undefined {
  const raw = h.unknownFields?.[0];
  if (raw === undefined) return undefined;
  try {
    return RlpReader.over(raw, 'header').bytes('blockAccessListHash', 32);
  } catch {
    return undefined;
  }
}

function unknownBlocks(v: EthVersion): Check<EthTarget> {
  return {
    name: `eth/${v}/GetBlockAccessLists/Unknown`,
    rule: 'EIP-8159: a hash the node does not know gets the RLP empty string at its position (never data), and the node stays connected',
    async run(target, t) {
      const conn = await EthConn.open(target, t, v);
      await handshake(conn, target);
      const entries = await getBlockAccessLists(conn, [randomHash(), randomHash(), randomHash()]);
      entries.forEach((e, i) => ensure(unavailable(e), () => `entry ${i} for an unknown hash is ${e.length} bytes of data, not the empty string`));
      t.note(`${entries.length} of 3 entries, all empty`);
    },
  };
}

function knownBlocks(v: EthVersion): Check<EthTarget> {
  return {
    name: `eth/${v}/GetBlockAccessLists/Known`,
    rule: "EIP-8159: entries in request order, repeats answered each time; a returned list hashes to its header's block-access-list hash, and a block without one gets the empty string",
    async run(target, t) {
      const conn = await EthConn.open(target, t, v);
      const status = await handshake(conn, target);
      const head = await remoteHead(conn, target, status);
      const headers = await getHeaders(conn, { origin: { hash: head.hash }, amount: 2n, reverse: true });
      ensure(headers.length > 0, () => `node serves no header at its head ${bytesToHex(head.hash)}`);
      const asked = [...headers, headers[0]!];
      const entries = await getBlockAccessLists(conn, asked.map((h) => h.hash));
      let served = 0;
      entries.forEach((e, i) => {
        const want = accessListHash(asked[i]!);
        if (unavailable(e)) return;
        if (want === undefined) throw new CheckFailure(`entry ${i} (block ${asked[i]!.number}) is data, but its header commits to no access list`);
        if (!equalBytes(keccak256(e), want)) throw new CheckFailure(`entry ${i} (block ${asked[i]!.number}) hashes to ${bytesToHex(keccak256(e))}, its header commits to ${bytesToHex(want)}`);
        served++;
      });
      t.note(`${entries.length} entries for ${asked.length} hashes, ${served} access lists served and matching their headers`);
    },
  };
}

/** The access-list checks of version `v` (none before eth/71). */
export function accessListChecks(v: EthVersion): Check<EthTarget>[] {
  return v >= 71 ? [unknownBlocks(v), knownBlocks(v)] : [];
}
