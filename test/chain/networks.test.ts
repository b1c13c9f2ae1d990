import { describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes } from '../../src/common/bytes.js';
import { DecodeError } from '../../src/common/errors.js';
import {
  networkForkFilter,
  networkForkId,
  networkForkSchedule,
  networkFromGenesisJson,
} from '../../src/chain/chain-config.js';
import { findNetwork, HOODI, MAINNET, NETWORKS } from '../../src/chain/networks.js';
import { loadVectors } from '../support/vectors.js';

const V = loadVectors('forkid.json');
const vectorNets = V.go_ethereum.networks as Record<string, any>;

describe('built-in networks', () => {
  it.each(Object.keys(NETWORKS))('%s: genesis, schedule and fork IDs match go-ethereum', (name) => {
    const n = NETWORKS[name as keyof typeof NETWORKS];
    const v = vectorNets[name];
    expect('0x' + bytesToHex(n.genesisHash)).toBe(v.genesis_hash);
    expect(n.genesisTime.toString()).toBe(v.genesis_timestamp);
    const schedule = networkForkSchedule(n);
    expect(schedule.blocks.map(String)).toEqual(v.fork_blocks);
    expect(schedule.times.map(String)).toEqual(v.fork_times);
    for (const c of v.cases) {
      const id = networkForkId(n, BigInt(c.head), BigInt(c.time));
      expect('0x' + bytesToHex(id.hash), c.comment).toBe(c.hash);
      expect(id.next.toString(), c.comment).toBe(c.next);
    }
  });

  it('have the geth network IDs', () => {
    expect([MAINNET, NETWORKS.sepolia, NETWORKS.holesky, HOODI].map((n) => n.networkId)).toEqual([1n, 11155111n, 17000n, 560048n]);
  });

  it('have well-formed enode bootnodes', () => {
    for (const n of Object.values(NETWORKS)) {
      expect(n.bootnodes.length).toBeGreaterThan(0);
      for (const b of n.bootnodes) expect(b).toMatch(/^enode:\/\/[0-9a-f]{128}@\d+\.\d+\.\d+\.\d+:\d+$/);
    }
  });

  it('can be found by name, network ID and genesis hash', () => {
    expect(findNetwork('hoodi')).toBe(HOODI);
    expect(findNetwork(1n)).toBe(MAINNET);
    expect(findNetwork(hexToBytes(vectorNets.sepolia.genesis_hash))).toBe(NETWORKS.sepolia);
    expect(findNetwork(999n)).toBeUndefined();
  });

  it('validate their own fork ID through the network filter', () => {
    const filter = networkForkFilter(MAINNET);
    const id = networkForkId(MAINNET, 30_000_000n, 1_767_747_671n);
    expect(filter(id, 30_000_000n, 1_767_747_671n)).toBe('ok');
  });
});

describe('networkFromGenesisJson', () => {
  // Hoodi's geth genesis.json config, mixing number and string encodings as real files do.
  const hoodiGenesis = {
    config: {
      chainId: 560048,
      homesteadBlock: 0,
      daoForkSupport: true,
      eip150Block: 0,
      eip155Block: 0,
      eip158Block: 0,
      byzantiumBlock: 0,
      constantinopleBlock: 0,
      petersburgBlock: 0,
      istanbulBlock: 0,
      muirGlacierBlock: 0,
      berlinBlock: 0,
      londonBlock: 0,
      mergeNetsplitBlock: 0,
      terminalTotalDifficulty: 0,
      shanghaiTime: 0,
      cancunTime: 0,
      pragueTime: 1742999832,
      osakaTime: '1761677592',
      bpo1Time: '0x690b9118',
      bpo2Time: 1762955544,
      depositContractAddress: '0x00000000219ab540356cBB839Cbe05303d7705Fa',
      blobSchedule: { cancun: { target: 3, max: 6, baseFeeUpdateFraction: 3338477 } },
      ethash: {},
    },
    timestamp: '0x67d80ec0',
    gasLimit: '0x2255100',
  };

  it('computes the same fork IDs as the built-in Hoodi network', () => {
    const n = networkFromGenesisJson(hoodiGenesis, HOODI.genesisHash, { name: 'hoodi-json' });
    expect(n.networkId).toBe(560048n);
    expect(n.genesisTime).toBe(1742212800n);
    for (const c of vectorNets.hoodi.cases) {
      const id = networkForkId(n, BigInt(c.head), BigInt(c.time));
      expect('0x' + bytesToHex(id.hash), c.comment).toBe(c.hash);
      expect(id.next.toString()).toBe(c.next);
    }
  });

  it('accepts the JSON text and counts forks it has no name for', () => {
    const json = JSON.stringify({ config: { chainId: 7, londonBlock: 5, bpo9Time: 100 }, timestamp: '0x0' });
    const n = networkFromGenesisJson(json, new Uint8Array(32));
    expect(networkForkSchedule(n)).toEqual({ blocks: [5n], times: [100n] });
    expect(networkForkId(n, 0n, 0n).next).toBe(5n);
  });

  it('skips unset (null) forks', () => {
    const n = networkFromGenesisJson({ config: { chainId: 1, londonBlock: null, cancunTime: null } }, new Uint8Array(32));
    expect(n.blockForks).toEqual([]);
    expect(n.timeForks).toEqual([]);
  });

  it('names the bad field in a DecodeError', () => {
    const bad = () => networkFromGenesisJson({ config: { chainId: 1, londonBlock: 'soon' } }, new Uint8Array(32));
    expect(bad).toThrow(DecodeError);
    expect(bad).toThrow(/config\.londonBlock/);
    expect(() => networkFromGenesisJson({ config: { chainId: 1, cancunTime: 2 ** 60 } }, new Uint8Array(32))).toThrow(/not an exact integer/);
    expect(() => networkFromGenesisJson('{', new Uint8Array(32))).toThrow(DecodeError);
    expect(() => networkFromGenesisJson({ config: {} }, new Uint8Array(32))).toThrow(/chainId/);
  });
});
