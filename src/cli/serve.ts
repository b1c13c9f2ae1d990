/**
 * `devp2p-ts serve`: an eth node serving a chain until stopped: the deterministic devnet, or a
 * geth chain file (with an optional receipts file) on the network given by --network or
 * --genesis.
 */
import { isIP } from 'node:net';
import { roleClientId } from '../common/client-id.js';
import { bytesToHex, equalBytes } from '../common/bytes.js';
import type { ChainReader } from '../chain/chain.js';
import type { EthNetwork } from '../chain/chain-config.js';
import { generateDevnetChain } from '../chain/devnet-chain.js';
import { FileChain } from '../chain/file-chain.js';
import { ETH_VERSIONS } from '../eth/protocol.js';
import { Server } from '../server/server.js';
import { Discv4 } from '../discv4/discv4.js';
import { EthService } from '../sync/node/eth-service.js';
import { SnapService } from '../sync/node/snap-service.js';
import { DumpStateReader } from '../snap/state-dump.js';
import { stateSet } from '../snap/state-set.js';
import { defineCommand, parseCommand } from './command.js';
import type { Command } from './command-tree.js';
import { commandLogger, DEVNET_SEED, logFlags, NETWORK_FLAGS, NODEKEY_FLAG, parseAddr, parseEthVersions, resolveNetworkAndGenesis, resolveNodeKey, untilStopped } from './common-options.js';
import { ListenError, parseIntInRange, UsageError } from './output.js';
import { logServerPeers } from './peer-log.js';

/** Default length of the served devnet chain. */
export const SERVE_DEVNET_BLOCKS = 2048;
/** Longest devnet chain `serve` generates (in memory). */
export const MAX_SERVE_DEVNET_BLOCKS = 1_000_000;

const SERVE = defineCommand({
  name: 'serve',
  summary: 'serve a chain over eth until SIGINT/SIGTERM: the deterministic devnet, or a geth chain file',
  description:
    'Answers discv4 on the UDP port of its TCP port number with the same key, as geth does (so clients that bond before dialing find it); --nodiscover turns that off. ' +
    'Prints its enode on stdout; logs each peer that connects, is refused (with the reason) or leaves (with the Disconnect reason and who sent it). ' +
    'Peers join with --network devnet for the devnet; a chain file (geth export, or ethtest chain.rlp) needs --network or --genesis.',
  flags: {
    'devnet-blocks': { type: 'string', value: 'N', help: `serve the devnet chain of N blocks (0-${MAX_SERVE_DEVNET_BLOCKS})`, defaultText: String(SERVE_DEVNET_BLOCKS) },
    chain: { type: 'string', value: 'FILE', help: 'serve this geth chain file instead of the devnet' },
    receipts: { type: 'string', value: 'FILE', help: 'receipts file of --chain (docs/chain-files.md)' },
    state: { type: 'string', value: 'FILES', help: 'also serve snap/1 and snap/2 from these state dumps (geth dump JSON, e.g. the ethtest headstate.json; comma-separated for several roots)' },
    ...NETWORK_FLAGS,
    addr: { type: 'string', value: 'IP:PORT', help: 'TCP address to listen on', default: '127.0.0.1:30303' },
    ...NODEKEY_FLAG,
    nodiscover: { type: 'boolean', help: 'run no discv4 (only the TCP listener)' },
    eth: { type: 'string', value: 'LIST', help: 'eth versions to serve, comma-separated', default: ETH_VERSIONS.join(',') },
    ...logFlags('3'),
  },
  examples: ['devp2p-ts serve --devnet-blocks 10000 --addr 127.0.0.1:30303', 'devp2p-ts serve --chain chain.rlp --genesis genesis.json --addr 0.0.0.0:30303'],
});

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
  const blocks = parseIntInRange('devnet-blocks', blocksOption, SERVE_DEVNET_BLOCKS, 0, MAX_SERVE_DEVNET_BLOCKS);
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
  const { values } = parseCommand(SERVE, args);
  if (values.chain !== undefined && values['devnet-blocks'] !== undefined) throw new UsageError('--chain and --devnet-blocks are exclusive');
  if (values.chain === undefined && (values.receipts !== undefined || values.network !== undefined || values.genesis !== undefined)) {
    throw new UsageError('--receipts, --network and --genesis go with --chain (without it, serve runs the devnet)');
  }
  const versions = parseEthVersions(values.eth);
  const listen = parseAddr('addr', values.addr);
  const log = commandLogger(values, 'serve');
  const served = values.chain === undefined ? await devnet(values['devnet-blocks']) : await chainFile({ ...values, chain: values.chain });
  try {
    const eth = new EthService({ network: served.network, chain: served.chain, versions, ...(served.td === undefined ? {} : { td: served.td }) });
    const privateKey = await resolveNodeKey(values.nodekey);
    const dumps = values.state === undefined ? [] : await Promise.all(values.state.split(',').map((f) => DumpStateReader.fromFile(f)));
    const snap = dumps.length === 0 ? [] : new SnapService({ state: stateSet(dumps) }).protocols();
    const server = new Server({ privateKey, protocols: [...eth.protocols(), ...snap], listen, clientId: roleClientId('serve') });
    logServerPeers(server, log, eth);
    let discv4: Discv4 | undefined;
    try {
      await server.start();
      // As geth: discovery on the UDP port of the TCP port's number, so the enode has one port.
      if (!values.nodiscover) {
        discv4 = await Discv4.listen({ ip: listen.host, port: server.port }, { privateKey, tcpPort: server.port, ...(isIP(listen.host) === 4 && listen.host !== '0.0.0.0' ? { externalIp: listen.host } : {}) });
        discv4.start();
      }
    } catch (err) {
      await server.stop();
      throw typeof (err as NodeJS.ErrnoException).code === 'string' ? new ListenError(values.addr, err) : err;
    }
    process.stdout.write(`${discv4?.enode ?? server.enode}\n`);
    const head = served.chain.head();
    for (const state of dumps) {
      log.info('serving snap', { root: `0x${bytesToHex(state.root)}`, accounts: state.accountCount, headRoot: equalBytes(state.root, served.chain.headerByHash(head.hash)?.stateRoot ?? new Uint8Array(0)) });
    }
    log.info('serving', { ...served.what, head: head.number, hash: `0x${bytesToHex(head.hash)}`, network: served.network.networkId, genesis: `0x${bytesToHex(served.network.genesisHash)}`, discv4: discv4 !== undefined });
    await untilStopped();
    await server.stop();
    await discv4?.close();
  } finally {
    served.close?.();
  }
}

export const SERVE_COMMAND: Command = { spec: SERVE, run: serveCommand };
