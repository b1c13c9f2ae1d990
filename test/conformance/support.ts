/** Our own nodes for the conformance tests: a Server with EthService on 127.0.0.1. */
import { generatePrivateKey } from '../../src/crypto/secp256k1.js';
import { parseEnode } from '../../src/enode/enode-url.js';
import type { EthNetwork } from '../../src/chain/chain-config.js';
import type { ChainReader } from '../../src/chain/chain.js';
import { generateDevnetChain, type DevnetChain } from '../../src/chain/devnet-chain.js';
import type { EthVersion } from '../../src/eth/protocol.js';
import { Server } from '../../src/server/server.js';
import { EthService } from '../../src/sync/node/eth-service.js';
import type { EthTarget } from '../../src/conformance/eth/target.js';
import type { CheckResult } from '../../src/conformance/check.js';

export { tempDir } from '../chain/chain-file-fixtures.js';

/** Reads in these tests wait at most this long (our node answers in milliseconds). */
export const TEST_READ_TIMEOUT_MS = 2_000;

export interface ServingNode {
  target: EthTarget;
  server: Server;
  stop(): Promise<void>;
}

export interface OwnNode extends ServingNode {
  devnet: DevnetChain;
}

/** Starts our node serving `chain` on `network` over `versions` (default all). */
export async function startServingNode(network: EthNetwork, chain: ChainReader, versions?: EthVersion[]): Promise<ServingNode> {
  const eth = new EthService({ network, chain, ...(versions ? { versions } : {}) });
  const server = new Server({ privateKey: generatePrivateKey(), protocols: eth.protocols(), listen: { host: '127.0.0.1', port: 0 }, noDial: true });
  await server.start();
  return { target: { node: parseEnode(server.enode), readTimeoutMs: TEST_READ_TIMEOUT_MS }, server, stop: () => server.stop() };
}

/** Starts our node serving a devnet chain of `blocks` blocks. */
export async function startOwnNode(opts: { blocks?: number; versions?: EthVersion[]; seed?: string } = {}): Promise<OwnNode> {
  const devnet = generateDevnetChain({ length: opts.blocks ?? 40, seed: opts.seed ?? 'conformance test' });
  return { ...(await startServingNode(devnet.network, devnet.chain, opts.versions)), devnet };
}

/** Failed results as "name: reason" lines (an assertion message that says what broke). */
export function failures(results: readonly CheckResult[]): string[] {
  return results.filter((r) => r.status === 'fail').map((r) => `${r.name}: ${r.reason}`);
}
