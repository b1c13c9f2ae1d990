import { describe, expect, it } from 'vitest';
import * as zlib from 'node:zlib';
import { bytesToHex, hexToBytes } from '../../src/common/bytes.js';
import { DecodeError } from '../../src/common/errors.js';
import { crc32 } from '../../src/chain/crc32.js';
import {
  decodeForkId,
  encodeForkId,
  forkId,
  forkIdFilter,
  type ForkIdValidation,
} from '../../src/chain/forkid.js';
import { loadVectors } from '../support/vectors.js';

const V = loadVectors('forkid.json');

const big = (xs: string[]) => xs.map((x) => BigInt(x));
const hashHex = (h: Uint8Array) => '0x' + bytesToHex(h);
const GETH_RESULT: Record<string, ForkIdValidation> = {
  ok: 'ok',
  ErrRemoteStale: 'remote-stale',
  ErrLocalIncompatibleOrStale: 'local-incompatible-or-stale',
};

describe('crc32', () => {
  it('gives the IEEE check value for "123456789"', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });

  it('continues a running checksum like CRC32 of the concatenation', () => {
    const a = Uint8Array.of(1, 2, 3);
    const b = Uint8Array.of(4, 5, 6, 7);
    expect(crc32(b, crc32(a))).toBe(crc32(Uint8Array.of(1, 2, 3, 4, 5, 6, 7)));
  });

  it.runIf(typeof (zlib as { crc32?: unknown }).crc32 === 'function')('agrees with node:zlib crc32', () => {
    const z = (zlib as unknown as { crc32(d: Uint8Array, v?: number): number }).crc32;
    for (let n = 0; n < 64; n++) {
      const data = Uint8Array.from({ length: n * 7 }, (_, i) => (i * 31 + n) & 0xff);
      expect(crc32(data)).toBe(z(data));
    }
  });
});

describe('fork ID creation', () => {
  const genesis = hexToBytes(V.mainnet.genesis_hash);

  it.each(V.mainnet.spec_examples as { name: string; hash: string }[])('EIP-2124 specification example $name', (ex) => {
    const forks = big(V.mainnet.fork_blocks);
    const n = ex.name.includes('Genesis') ? 0 : ex.name.includes('Homestead') ? 1 : 2;
    const head = n === 0 ? 0n : forks[n - 1]!;
    expect(hashHex(forkId(genesis, forks, [], head, 0n).hash)).toBe(ex.hash);
  });

  for (const [source, section] of [
    ['EIP-2124', V.eip2124.networks],
    ['go-ethereum', V.go_ethereum.networks],
  ] as const) {
    for (const [name, net] of Object.entries(section as Record<string, any>)) {
      it(`${source} ${name}: every creation case`, () => {
        const g = hexToBytes(net.genesis_hash);
        for (const c of net.cases) {
          const id = forkId(g, big(net.fork_blocks), big(net.fork_times), BigInt(c.head), BigInt(c.time ?? '0'), BigInt(net.genesis_timestamp));
          expect({ hash: hashHex(id.hash), next: id.next.toString() }, c.comment).toEqual({ hash: c.hash, next: c.next });
        }
      });

      it(`${source} ${name}: same IDs from the unnormalised config fork list`, () => {
        // config_forks has duplicates, zero blocks and genesis-time forks, which must be skipped.
        const g = hexToBytes(net.genesis_hash);
        const blocks = big(net.config_forks.blocks.map((f: any) => f.block));
        const times = big(net.config_forks.times.map((f: any) => f.time));
        for (const c of net.cases) {
          const id = forkId(g, blocks, times, BigInt(c.head), BigInt(c.time ?? '0'), BigInt(net.genesis_timestamp));
          expect(hashHex(id.hash), c.comment).toBe(c.hash);
          expect(id.next.toString(), c.comment).toBe(c.next);
        }
      });
    }
  }
});

describe('fork ID validation', () => {
  const configs: Record<string, { genesis_hash: string; fork_blocks: string[]; fork_times: string[]; genesis_timestamp: string }> = {
    mainnet_petersburg_era: V.eip2124.validation_local_forks,
    mainnet_without_time_forks: V.go_ethereum.validation_configs.mainnet_without_time_forks,
    mainnet: V.go_ethereum.networks.mainnet,
  };

  const cases = [
    ...V.eip2124.validation_cases.map((c: any) => ({ ...c, source: 'EIP-2124' })),
    ...V.go_ethereum.validation_cases.map((c: any) => ({ ...c, source: 'go-ethereum' })),
  ];

  it('covers all 60 published cases', () => {
    expect(cases.length).toBe(60);
  });

  it.each(cases.map((c: any, i: number) => [i, c]))('case %i', (_i, c: any) => {
    const cfg = configs[c.local_config]!;
    const filter = forkIdFilter(hexToBytes(cfg.genesis_hash), big(cfg.fork_blocks), big(cfg.fork_times), BigInt(cfg.genesis_timestamp));
    const remote = { hash: hexToBytes(c.remote.hash), next: BigInt(c.remote.next) };
    expect(filter(remote, BigInt(c.head), BigInt(c.time ?? '0')), `${c.source}: ${c.comment}`).toBe(GETH_RESULT[c.expected]);
  });

  it('accepts its own fork ID at every creation case head', () => {
    const net = V.go_ethereum.networks.mainnet;
    const g = hexToBytes(net.genesis_hash);
    const filter = forkIdFilter(g, big(net.fork_blocks), big(net.fork_times));
    for (const c of net.cases) {
      const id = forkId(g, big(net.fork_blocks), big(net.fork_times), BigInt(c.head), BigInt(c.time));
      expect(filter(id, BigInt(c.head), BigInt(c.time))).toBe('ok');
    }
  });
});

describe('fork ID encoding', () => {
  it.each(V.eip2124.rlp_encoding_cases as { hash: string; next: string; rlp: string; as_written: string }[])('$as_written', (c) => {
    const id = { hash: hexToBytes(c.hash), next: BigInt(c.next) };
    expect(bytesToHex(encodeForkId(id))).toBe(c.rlp);
    expect(decodeForkId(hexToBytes(c.rlp))).toEqual(id);
  });

  it('rejects a 3-byte hash and a next above uint64 with DecodeError', () => {
    expect(() => decodeForkId(hexToBytes('c583aabbcc80'))).toThrow(DecodeError);
    expect(() => decodeForkId(hexToBytes('cf84deadbeef89010000000000000000'))).toThrow(DecodeError);
  });
});
