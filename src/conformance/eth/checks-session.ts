/**
 * Session-level rules: BlockRangeUpdate (eth/69+, EIP-7642), the eth message size limit, and
 * the devp2p Ping (rlpx.md "Ping (0x02)").
 */
import { keccak256 } from '../../crypto/keccak.js';
import { encodeBlockRangeUpdate, type BlockRangeUpdate } from '../../eth/messages/block-range-update.js';
import { EthMessageCode, ETH_VERSIONS, MAX_MESSAGE_SIZE, type EthVersion } from '../../eth/protocol.js';
import { encBytes, encList } from '../../common/rlp-encode.js';
import type { Check } from '../check.js';
import { EthConn } from './conn.js';
import { expectDisconnect } from './expect.js';
import { ensureAlive, remoteHead } from './requests.js';
import { handshake } from './status.js';
import type { EthTarget } from './target.js';

function rangeCheck(v: EthVersion, name: string, rule: string, valid: boolean, range: (head: { number: bigint; hash: Uint8Array }) => BlockRangeUpdate): Check<EthTarget> {
  return {
    name: `eth/${v}/BlockRangeUpdate/${name}`,
    rule,
    async run(target, t) {
      const conn = await EthConn.open(target, t, v);
      const status = await handshake(conn, target);
      const head = await remoteHead(conn, target, status);
      const r = range(head);
      conn.send(EthMessageCode.BlockRangeUpdate, encodeBlockRangeUpdate(r));
      const what = `BlockRangeUpdate ${r.earliestBlock}..${r.latestBlock}`;
      if (valid) await ensureAlive(conn, `a valid ${what}`);
      else await expectDisconnect(conn, t, `an invalid ${what}`);
    },
  };
}

/** BlockRangeUpdate checks (eth/69 and later only). */
export function blockRangeChecks(v: EthVersion): Check<EthTarget>[] {
  if (v < 69) return [];
  return [
    rangeCheck(v, 'Valid', 'EIP-7642 / caps/eth.md BlockRangeUpdate (0x11): a peer announces a new served range at any time; a valid one is accepted', true, (head) => ({
      earliestBlock: 0n,
      latestBlock: head.number,
      latestBlockHash: head.hash,
    })),
    rangeCheck(v, 'EarliestAfterLatest', 'EIP-7642 / caps/eth.md BlockRangeUpdate (0x11): earliestBlock > latestBlock is invalid; the peer is disconnected', false, () => ({
      earliestBlock: 10n,
      latestBlock: 8n,
      latestBlockHash: keccak256(Uint8Array.of(8)),
    })),
    rangeCheck(v, 'ZeroHash', 'EIP-7642 / caps/eth.md BlockRangeUpdate (0x11): latestBlockHash must name a block; a zero hash is invalid (geth disconnects)', false, (head) => ({
      earliestBlock: 0n,
      latestBlock: head.number,
      latestBlockHash: new Uint8Array(32),
    })),
  ];
}

/** An eth message just over the limit (a Transactions list of one huge item; snappy shrinks it on the wire). */
export function oversizedMessage(): Uint8Array {
  return encList([encBytes(new Uint8Array(MAX_MESSAGE_SIZE + 1))]);
}

/** The message size limit. */
export function sizeChecks(v: EthVersion): Check<EthTarget>[] {
  return [
    {
      name: `eth/${v}/Message/Oversized`,
      rule: `caps/eth.md Basic Operation: "the practical limits for the eth protocol are lower, typically 10 MiB. If a received message is larger than the limit, the peer should be disconnected" (${MAX_MESSAGE_SIZE + 1}+ bytes after snappy decoding)`,
      async run(target, t) {
        const conn = await EthConn.open(target, t, v);
        await handshake(conn, target);
        conn.send(EthMessageCode.Transactions, oversizedMessage());
        await expectDisconnect(conn, t, 'a message over 10 MiB');
      },
    },
  ];
}

/** The base protocol Ping, before and after Status. */
export function pingCheck(): Check<EthTarget> {
  return {
    name: 'rlpx/Ping',
    rule: 'rlpx.md Ping (0x02): "Requests an immediate reply of Pong from the peer", at any time after Hello',
    async run(target, t) {
      const conn = await EthConn.open(target, t, ETH_VERSIONS[ETH_VERSIONS.length - 1]!, ETH_VERSIONS);
      await conn.ping();
      await handshake(conn, target);
      await conn.ping();
    },
  };
}
