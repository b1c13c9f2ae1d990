/** An honest peer slot's round: connect, eth handshake, a burst of requests, leave. */
import { generatePrivateKey } from '../../src/crypto/secp256k1.js';
import { ethCapabilities } from '../../src/eth/capabilities.js';
import type { DevnetChain } from '../../src/chain/devnet-chain.js';
import { EthPeer } from '../../src/eth/peer.js';
import { dial } from '../../src/rlpx/connect.js';
import { DisconnectReason } from '../../src/rlpx/disconnect-reason.js';
import type { Session } from '../../src/rlpx/session.js';
import { errorKind, handshakes, st } from './driver-stats.js';
import { CHAIN_LENGTH, count, sleep } from './meters.js';
import type { Target } from './target.js';

/** An honest peer: connect, eth handshake, a burst of requests, leave. */
export async function honest(to: Target, devnet: DevnetChain, rnd: () => number, toNode: boolean): Promise<void> {
  let session: Session | undefined;
  const started = Date.now();
  let ready = false;
  try {
    session = await dial({ publicKey: to.publicKey, host: '127.0.0.1', port: to.port }, { privateKey: generatePrivateKey(), capabilities: ethCapabilities() }, { signal: AbortSignal.timeout(20_000) });
    ready = true;
    if (toNode) {
      handshakes.ms.push(Date.now() - started);
      handshakes.all.push(Date.now() - started);
    }
    st.sessions++;
    const peer = await EthPeer.connect(session, { network: devnet.network, chain: devnet.chain });
    const n = 5 + Math.floor(rnd() * 40);
    for (let i = 0; i < n && !peer.closed; i++) {
      const from = BigInt(Math.floor(rnd() * CHAIN_LENGTH));
      const hashes = devnet.blocks.slice(Number(from), Number(from) + 16).map((b) => b.header.hash);
      const kind = i % 3;
      st.requests++;
      if (kind === 0) await peer.getBlockHeaders({ origin: { number: from }, amount: 64n }, { timeoutMs: 15_000 });
      else if (kind === 1) await peer.getBlockBodies(hashes, { timeoutMs: 15_000 });
      else await peer.getReceipts(hashes, { timeoutMs: 15_000 });
      st.responses++;
      await sleep(rnd() * 400);
    }
    if (rnd() < 0.2) session.socket.resetAndDestroy(); // some leave without a word
    else await session.disconnect(DisconnectReason.ClientQuitting);
  } catch (err) {
    if (toNode && !ready) {
      handshakes.failed++;
      handshakes.allFailed++;
    }
    count(st.errors, errorKind(err));
    session?.socket.destroy();
  }
}
