/**
 * A peer that floods requests and never reads (issue 14), against a node serving a 2000-block
 * devnet with the default limits (server + eth, in this process): the peer sends 100
 * GetBlockHeaders(1024) and stops reading. Measured: how long until the node cuts it (its
 * 20 s write deadline, counted from the flood) and the most bytes the node queued for it
 * (bounded by eth's SERVE_BACKLOG_BYTES plus one reply).
 */
import { bytesToHex } from '../src/common/bytes.js';
import { generatePrivateKey, publicKeyOf } from '../src/crypto/secp256k1.js';
import { parseEnode } from '../src/enode/enode-url.js';
import { nodeIdOf } from '../src/enode/key.js';
import { ethCapabilities } from '../src/eth/capabilities.js';
import { generateDevnetChain } from '../src/chain/devnet-chain.js';
import { ethHandshake } from '../src/eth/handshake.js';
import { encodeEthMessage } from '../src/eth/messages/index.js';
import { dial } from '../src/rlpx/connect.js';
import { WRITE_TIMEOUT_MS } from '../src/rlpx/conn.js';
import { Server } from '../src/server/server.js';
import { EthService } from '../src/sync/node/eth-service.js';
import { withDeadline } from './measure.js';

export interface StalledPeerResult {
  /** Seconds from the flood to the node closing the peer. */
  cutS: number;
  /** Most bytes the node had queued for the peer, in KiB. */
  peakQueueKib: number;
  /** Why the node closed it (the error's name and phase). */
  cause: string;
}

export async function stalledPeerBench(opts: { requests?: number } = {}): Promise<StalledPeerResult> {
  const devnet = generateDevnetChain({ length: 2000 });
  const eth = new EthService({ network: devnet.network, chain: devnet.chain });
  const server = new Server({ privateKey: generatePrivateKey(), protocols: eth.protocols(), listen: { host: '127.0.0.1', port: 0 }, noDial: true });
  await server.start();
  const e = parseEnode(server.enode);
  const key = generatePrivateKey();
  const id = bytesToHex(nodeIdOf(publicKeyOf(key)));
  const session = await dial({ publicKey: e.publicKey, host: '127.0.0.1', port: e.tcpPort }, { privateKey: key, capabilities: ethCapabilities([69]) });
  try {
    const head = devnet.chain.head();
    await ethHandshake(session, { network: devnet.network, head: { number: head.number, hash: head.hash, time: head.time } });
    let floodAt = 0;
    const removed = new Promise<StalledPeerResult>((resolve) =>
      server.on('peer:removed', (peer, info) => {
        if (peer.id !== id) return;
        const err = info.error as { name?: string; phase?: string } | undefined;
        resolve({ cutS: (Date.now() - floodAt) / 1000, peakQueueKib: peer.session.stats.maxQueuedBytes / 1024, cause: `${err?.name ?? 'none'}${err?.phase ? `:${err.phase}` : ''}` });
      }),
    );
    session.socket.pause(); // from here on, nothing is read
    floodAt = Date.now();
    for (let i = 0; i < (opts.requests ?? 100); i++) {
      const { code, data } = encodeEthMessage(69, { name: 'GetBlockHeaders', value: { requestId: BigInt(i), origin: { number: BigInt((i * 7) % 900) }, amount: 1024n, skip: 0n, reverse: false } });
      session.send('eth', code, data);
    }
    return await withDeadline('stalled peer cut', WRITE_TIMEOUT_MS + 30_000, removed);
  } finally {
    session.socket.destroy();
    await server.stop();
  }
}
