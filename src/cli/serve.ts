/** `devp2p-ts serve`: an eth node serving a chain (the deterministic devnet) until stopped. */
import { parseArgs } from 'node:util';
import { createLogger } from '../common/log.js';
import { generateDevnetChain } from '../eth/devnet-chain.js';
import { ETH_VERSIONS, type EthVersion } from '../eth/protocol.js';
import { Server } from '../server/server.js';
import { EthService } from '../sync/eth-service.js';
import { DEVNET_SEED, parseAddr, resolveNodeKey, untilStopped } from './common-options.js';
import { parseIntOption, UsageError } from './output.js';

export const SERVE_USAGE = `usage:
  devp2p-ts serve [--devnet-blocks N] [--addr 127.0.0.1:30303] [--nodekey FILE] [--eth 68,69,70]
      serve the deterministic devnet chain of N blocks (default 2048) over eth until stopped`;

export async function serveCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      'devnet-blocks': { type: 'string' },
      addr: { type: 'string', default: '127.0.0.1:30303' },
      nodekey: { type: 'string' },
      eth: { type: 'string' },
      verbosity: { type: 'string', default: 'info' },
    },
    strict: true,
  });
  const blocks = parseIntOption('devnet-blocks', values['devnet-blocks'], 2048);
  const versions = (values.eth ?? ETH_VERSIONS.join(',')).split(',').map((v) => Number(v)) as EthVersion[];
  if (versions.some((v) => !ETH_VERSIONS.includes(v))) throw new UsageError(`--eth takes versions from ${ETH_VERSIONS.join(',')}`);
  const log = createLogger({ level: values.verbosity as 'info', component: 'serve' });
  const devnet = generateDevnetChain({ length: blocks, seed: DEVNET_SEED });
  const eth = new EthService({ network: devnet.network, chain: devnet.chain, versions });
  const server = new Server({ privateKey: await resolveNodeKey(values.nodekey), protocols: eth.protocols(), listen: parseAddr('addr', values.addr!), clientId: 'devp2p-ts/v0.1.0/serve' });
  eth.on('peer', (p, sp) => log.info('eth peer', { id: sp.id.slice(0, 16), client: sp.session.remoteHello?.clientId, eth: p.version }));
  eth.on('handshake:failed', (err, sp) => log.info('peer refused at Status', { id: sp.id.slice(0, 16), err }));
  await server.start();
  process.stdout.write(`${server.enode}\n`);
  log.info('serving devnet', { blocks, head: devnet.chain.head().number, network: devnet.network.networkId });
  await untilStopped();
  await server.stop();
}
