/**
 * `devp2p-ts serve`: an eth node serving a chain until stopped: the deterministic devnet, or a
 * geth chain file (with an optional receipts file) on the network given by --network or
 * --genesis.
 */
import { parseArgs } from 'node:util';
import { roleClientId } from '../common/client-id.js';
import { bytesToHex } from '../common/bytes.js';
import { createLogger } from '../common/log.js';
import type { ChainReader } from '../eth/chain.js';
import type { EthNetwork } from '../eth/chain-config.js';
import { generateDevnetChain } from '../eth/devnet-chain.js';
import { FileChain } from '../eth/file-chain.js';
import { ETH_VERSIONS, type EthVersion } from '../eth/protocol.js';
import { Server } from '../server/server.js';
import { EthService } from '../sync/eth-service.js';
import { DEVNET_SEED, NETWORK_OPTIONS, parseAddr, resolveNetworkAndGenesis, resolveNodeKey, untilStopped } from './common-options.js';
import { parseIntOption, UsageError } from './output.js';

export const SERVE_USAGE = `usage:
  devp2p-ts serve [--devnet-blocks N] [--addr 127.0.0.1:30303] [--nodekey FILE] [--eth 68,69,70]
      serve the deterministic devnet chain of N blocks (default 2048) over eth until stopped
  devp2p-ts serve --chain FILE [--receipts FILE] (--network NAME | --genesis FILE [--genesis-hash HASH])
                  [--addr 127.0.0.1:30303] [--nodekey FILE] [--eth 68,69,70]
      serve a geth chain file (geth export, or ethtest chain.rlp with its genesis.json)`;

/** What `serve` serves: the network for Status and the chain. */
interface Served {
  network: EthNetwork;
  chain: ChainReader;
  what: Record<string, unknown>;
  /** Total difficulty of the head, for eth/68 Status (post-merge-only chains: 0). */
  td?: bigint;
  /** Releases what the chain holds (open files). */
  close?: () => void;
}

async function devnet(blocksOption: string | undefined): Promise<Served> {
  const blocks = parseIntOption('devnet-blocks', blocksOption, 2048);
  const devnet = generateDevnetChain({ length: blocks, seed: DEVNET_SEED });
  return { network: devnet.network, chain: devnet.chain, what: { chain: 'devnet', blocks } };
}

async function chainFile(values: { chain: string; receipts?: string | undefined; network?: string | undefined; genesis?: string | undefined; 'genesis-hash'?: string | undefined }): Promise<Served> {
  if (values.network === undefined && values.genesis === undefined) throw new UsageError('--chain needs --network NAME or --genesis FILE');
  const { network, genesis } = await resolveNetworkAndGenesis(values);
  const chain = await FileChain.load({
    chainFile: values.chain,
    ...(values.receipts === undefined ? {} : { receiptsFile: values.receipts }),
    ...(genesis === undefined ? {} : { genesis }),
    genesisHash: network.genesisHash,
  });
  return {
    network,
    chain,
    td: chain.totalDifficulty,
    what: { chain: values.chain, blocks: chain.fileBlocks, receipts: chain.receiptsLoaded, withoutReceipts: chain.blocksWithoutReceipts },
    close: () => chain.close(),
  };
}

export async function serveCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      'devnet-blocks': { type: 'string' },
      chain: { type: 'string' },
      receipts: { type: 'string' },
      ...NETWORK_OPTIONS,
      addr: { type: 'string', default: '127.0.0.1:30303' },
      nodekey: { type: 'string' },
      eth: { type: 'string' },
      verbosity: { type: 'string', default: 'info' },
    },
    strict: true,
  });
  if (values.chain !== undefined && values['devnet-blocks'] !== undefined) throw new UsageError('--chain and --devnet-blocks are exclusive');
  if (values.chain === undefined && (values.receipts !== undefined || values.network !== undefined || values.genesis !== undefined)) {
    throw new UsageError('--receipts, --network and --genesis go with --chain (without it, serve runs the devnet)');
  }
  const versions = (values.eth ?? ETH_VERSIONS.join(',')).split(',').map((v) => Number(v)) as EthVersion[];
  if (versions.some((v) => !ETH_VERSIONS.includes(v))) throw new UsageError(`--eth takes versions from ${ETH_VERSIONS.join(',')}`);
  const listen = parseAddr('addr', values.addr!);
  const log = createLogger({ level: values.verbosity as 'info', component: 'serve' });
  const served = values.chain === undefined ? await devnet(values['devnet-blocks']) : await chainFile({ ...values, chain: values.chain });
  try {
    const eth = new EthService({ network: served.network, chain: served.chain, versions, ...(served.td === undefined ? {} : { td: served.td }) });
    const server = new Server({ privateKey: await resolveNodeKey(values.nodekey), protocols: eth.protocols(), listen, clientId: roleClientId('serve') });
    eth.on('peer', (p, sp) => log.info('eth peer', { id: sp.id.slice(0, 16), client: sp.session.remoteHello?.clientId, eth: p.version }));
    eth.on('handshake:failed', (err, sp) => log.info('peer refused at Status', { id: sp.id.slice(0, 16), err }));
    await server.start();
    process.stdout.write(`${server.enode}\n`);
    const head = served.chain.head();
    log.info('serving', { ...served.what, head: head.number, hash: `0x${bytesToHex(head.hash)}`, network: served.network.networkId, genesis: `0x${bytesToHex(served.network.genesisHash)}` });
    await untilStopped();
    await server.stop();
  } finally {
    served.close?.();
  }
}
