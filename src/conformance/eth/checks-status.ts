/**
 * Status rules (devp2p caps/eth.md "Status (0x00)", EIP-2124, EIP-7642), per eth version: the
 * node sends a valid Status first, and ends the session when ours names another network,
 * genesis, version or an incompatible fork, when (eth/69+) our block range is invalid, when
 * another eth message comes before Status, and when Status comes twice.
 */
import { bytesToHex } from '../../common/bytes.js';
import { keccak256 } from '../../crypto/keccak.js';
import { isStatus68, type AnyStatus } from '../../eth/handshake.js';
import { encodeGetBlockHeaders } from '../../eth/messages/headers.js';
import { EthMessageCode, type EthVersion } from '../../eth/protocol.js';
import type { Check } from '../check.js';
import { EthConn } from './conn.js';
import { expectDisconnect } from './expect.js';
import { ensureAlive, randomRequestId } from './requests.js';
import { ensureValidStatus, handshake } from './status.js';
import type { EthTarget } from './target.js';

/** A fork hash no network has (the first bytes of a hash of a fixed string). */
const ALIEN_FORK_HASH = keccak256(new TextEncoder().encode('devp2p-ts conformance: no such fork')).slice(0, 4);

/** The node's Status is valid and ours (mirroring it) is accepted. */
function statusExchange(v: EthVersion): Check<EthTarget> {
  return {
    name: `eth/${v}/Status`,
    rule: 'caps/eth.md Status (0x00): sent first, in the form of the negotiated version, with the node\'s network, genesis, EIP-2124 fork ID and (eth/69+) a valid block range; a matching Status is accepted',
    async run(target, t) {
      const conn = await EthConn.open(target, t, v);
      const remote = await handshake(conn, target);
      ensureValidStatus(v, remote, target);
      t.note(isStatus68(remote) ? `node head ${bytesToHex(remote.head)}` : `node serves blocks ${remote.earliestBlock}..${remote.latestBlock}`);
      await ensureAlive(conn, 'the Status exchange');
    },
  };
}

/** The node must end the session when our Status is changed by `tweak`. */
function statusRefused(v: EthVersion, name: string, rule: string, tweak: (ours: AnyStatus) => AnyStatus): Check<EthTarget> {
  return {
    name: `eth/${v}/Status/${name}`,
    rule,
    async run(target, t) {
      const conn = await EthConn.open(target, t, v);
      await handshake(conn, target, tweak);
      await expectDisconnect(conn, t, `a Status with ${name}`);
    },
  };
}

/** eth/69+ Status with a block range, changed. */
function withRange(s: AnyStatus, earliest: bigint, latest: bigint, hash: Uint8Array): AnyStatus {
  if (isStatus68(s)) throw new RangeError('eth/68 Status has no block range');
  return { ...s, earliestBlock: earliest, latestBlock: latest, latestBlockHash: hash };
}

/** Another eth message before Status. */
function messageBeforeStatus(v: EthVersion): Check<EthTarget> {
  return {
    name: `eth/${v}/Status/MessageBeforeStatus`,
    rule: 'caps/eth.md Status (0x00): "sent just after the connection is established and prior to any other eth protocol messages"; a peer that starts with another message is disconnected (geth errNoStatusMsg)',
    async run(target, t) {
      const conn = await EthConn.open(target, t, v);
      conn.send(EthMessageCode.GetBlockHeaders, encodeGetBlockHeaders({ requestId: randomRequestId(), origin: { number: 0n }, amount: 1n, skip: 0n, reverse: false }));
      await expectDisconnect(conn, t, 'GetBlockHeaders sent before Status');
    },
  };
}

/** Status again after the handshake. */
function statusTwice(v: EthVersion): Check<EthTarget> {
  return {
    name: `eth/${v}/Status/SentTwice`,
    rule: 'caps/eth.md Status (0x00): the handshake message, sent once; after it Status is not a valid message (geth: errInvalidMsgCode, disconnect)',
    async run(target, t) {
      const conn = await EthConn.open(target, t, v);
      await handshake(conn, target);
      await ensureAlive(conn, 'the Status exchange');
      conn.sendStatus(conn.localStatus!);
      await expectDisconnect(conn, t, 'a second Status');
    },
  };
}

/** Every Status check of version `v`. */
export function statusChecks(v: EthVersion): Check<EthTarget>[] {
  const checks = [
    statusExchange(v),
    statusRefused(v, 'WrongNetworkID', 'caps/eth.md Status: peers on another network ID are disconnected', (s) => ({ ...s, networkId: (s.networkId + 1n) & ((1n << 64n) - 1n) })),
    statusRefused(v, 'WrongGenesis', 'caps/eth.md Status: peers with another genesis block are disconnected', (s) => ({ ...s, genesis: keccak256(s.genesis) })),
    statusRefused(v, 'WrongVersion', 'caps/eth.md Status: `version` is the negotiated protocol version; a mismatch is disconnected (geth errProtocolVersionMismatch)', (s) => ({
      ...s,
      version: v + 1,
    })),
    statusRefused(v, 'IncompatibleForkID', 'EIP-2124: a fork ID whose hash matches no past or future fork of the local chain is rejected (rule 4: disconnect)', (s) => ({
      ...s,
      forkId: { hash: ALIEN_FORK_HASH, next: 0n },
    })),
    messageBeforeStatus(v),
    statusTwice(v),
  ];
  if (v >= 69) {
    checks.push(
      statusRefused(v, 'EarliestAfterLatest', 'EIP-7642 / caps/eth.md eth/69 Status: earliestBlock must not exceed latestBlock; such a peer is disconnected', (s) =>
        withRange(s, 10n, 8n, keccak256(Uint8Array.of(8))),
      ),
      statusRefused(v, 'ZeroLatestHash', 'EIP-7642 / caps/eth.md eth/69 Status: latestBlockHash names a real block; a zero hash is disconnected (geth)', (s) => withRange(s, 0n, 0n, new Uint8Array(32))),
    );
  }
  return checks;
}
