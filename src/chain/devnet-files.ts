/** Writing the devnet to files: a geth chain file and a receipts file, streamed. */
import { encodeBlockItem } from './block.js';
import type { EthNetwork } from './chain-config.js';
import { devnetChainStream, type DevnetChainOptions } from './devnet-chain.js';
import { executedDevnetChain } from './devnet-execution.js';
import type { BlockHeader } from './header.js';
import { encodeReceiptsEntry } from './receipts-file.js';
import { RlpFileWriter } from './rlp-file.js';

/** What {@link writeDevnetChainFiles} wrote. */
export interface DevnetChainFilesResult {
  network: EthNetwork;
  /** Blocks written (genesis included) and the chain file's size. */
  blocks: number;
  bytes: number;
  head: BlockHeader;
  /** Receipts entries written and the receipts file's size, if one was asked for. */
  receipts?: { entries: number; bytes: number };
}

/**
 * Generates the devnet straight into a geth chain file (and a receipts file), one block at a
 * time: memory stays bounded whatever the chain's length. With `execute`, the blocks are the
 * executed chain ({@link executedDevnetChain}: real state roots, what clients import); without,
 * the generator's (stand-in state roots, much faster: enough for the eth wire protocol).
 */
export async function writeDevnetChainFiles(opts: DevnetChainOptions & { out: string; receiptsOut?: string; execute?: boolean }): Promise<DevnetChainFilesResult> {
  const stream = opts.execute === true ? executedDevnetChain(opts) : devnetChainStream(opts);
  const chainOut = await RlpFileWriter.create(opts.out);
  let receiptsOut: RlpFileWriter | undefined;
  let head: BlockHeader | undefined;
  try {
    if (opts.receiptsOut !== undefined) receiptsOut = await RlpFileWriter.create(opts.receiptsOut);
    for await (const b of stream.blocks()) {
      await chainOut.write(encodeBlockItem({ header: b.header, ...b.body }));
      await receiptsOut?.write(encodeReceiptsEntry({ blockHash: b.header.hash, receipts: b.receipts }));
      head = b.header;
    }
  } finally {
    await chainOut.close();
    await receiptsOut?.close();
  }
  return {
    network: stream.network,
    blocks: chainOut.items,
    bytes: chainOut.bytes,
    head: head!,
    ...(receiptsOut === undefined ? {} : { receipts: { entries: receiptsOut.items, bytes: receiptsOut.bytes } }),
  };
}
