import { describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { bytesToHex, hexToBytes } from '../../src/common/bytes.js';
import { DecodeError } from '../../src/common/errors.js';
import { networkFromGenesisJson, networkForkId } from '../../src/chain/chain-config.js';
import { readChainFile } from '../../src/chain/chain-file.js';
import { EMPTY_REQUESTS_HASH } from '../../src/chain/devnet-chain.js';
import { genesisBlock, genesisBlockFromJson, genesisStateRoot, GenesisError, parseGenesisJson, storageRoot } from '../../src/chain/genesis.js';
import { EMPTY_TRIE_ROOT } from '../../src/chain/trie.js';
import { ETHTEST_GENESIS, ethtestData, skipNote } from './chain-file-fixtures.js';

const hex = (b: Uint8Array) => `0x${bytesToHex(b)}`;

const PRE_MERGE_FORKS = { homesteadBlock: 0, eip150Block: 0, eip155Block: 0, eip158Block: 0, byzantiumBlock: 0, constantinopleBlock: 0, petersburgBlock: 0, istanbulBlock: 0, berlinBlock: 0, londonBlock: 0 };
const AMSTERDAM_CONFIG = { chainId: 1337, ...PRE_MERGE_FORKS, mergeNetsplitBlock: 0, terminalTotalDifficulty: 0, shanghaiTime: 0, cancunTime: 0, pragueTime: 0, osakaTime: 0, amsterdamTime: 0 };

/**
 * Genesis files and the block hash and state root geth computes for them: a small Go program
 * calling `core.Genesis.ToBlock()` of go-ethereum v1.17.0 (cases without Amsterdam) and
 * v1.17.10 (all cases), json.Unmarshal'ing exactly these objects.
 */
const GETH_VECTORS: { name: string; json: object; hash: string; stateRoot: string }[] = [
  {
    name: 'pre-London ethash: storage (short keys, a zero value, leading zeros), code, nonce, an empty account, default gas limit',
    json: {
      config: { chainId: 1, homesteadBlock: 0, ethash: {} },
      nonce: '0x42',
      timestamp: '0x0',
      extraData: '0x11bbe8db4e347b4e8c937c1c8370e4b5ed33adb3db69cbdb7a38e1e50b1b82fa',
      gasLimit: '0x0',
      difficulty: '0x20000',
      alloc: {
        '0x0000000000000000000000000000000000000001': { balance: '1000000000000000000000' },
        a94f5374fce5edbc8e2a8697c15331677e6ebf0b: {
          balance: '0x0',
          nonce: '0x5',
          code: '0x6001600055',
          storage: { '0x00': '0x01', '0x01': '0x00', '0x0000000000000000000000000000000000000000000000000000000000000002': '0x0000000000000000000000000000000000000000000000000000000000abcdef', ff: '0100' },
        },
        '0x00000000000000000000000000000000000000aa': { balance: '0' },
      },
    },
    hash: '0x58f0aacb57a53c1ad455c7cdd2d9f68cac7e9db0ab5a66798db6460129789124',
    stateRoot: '0x41ee902d995781385cd7422c6c4ae259557147d793005a54622bacf29ce59edb',
  },
  {
    name: 'London at genesis, clique: default base fee, 2^249 balance',
    json: {
      config: { chainId: 5, ...PRE_MERGE_FORKS, clique: { period: 5, epoch: 30000 } },
      nonce: '0x0',
      timestamp: '0x5c51a607',
      extraData: '0x22466c6578692069732061207468696e6722202d204166726900000000000000e0a2bd4258d2768837baa26a28fe71dc079f84c70000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000',
      gasLimit: '0xa00000',
      difficulty: '0x1',
      alloc: { e0a2bd4258d2768837baa26a28fe71dc079f84c7: { balance: '0x200000000000000000000000000000000000000000000000000000000000000' } },
    },
    hash: '0x9f239abbe7c1a5d93e3f010594e2e935fd62c97b976f91e474b9cec2d8f2c60d',
    stateRoot: '0x8496b39e363cc00f2abc4af26cb4451e3d0cc78db59e444515572a87132c4def',
  },
  {
    name: 'Shanghai, Cancun, Prague at genesis with given base fee, blob gas, mix hash and coinbase',
    json: {
      config: { chainId: 1337, ...PRE_MERGE_FORKS, mergeNetsplitBlock: 0, terminalTotalDifficulty: 0, shanghaiTime: 0, cancunTime: 0, pragueTime: 0, ethash: {} },
      timestamp: '1700000000',
      gasLimit: 30000000,
      difficulty: '0',
      mixHash: '0x00000000000000000000000000000000000000000000000000000000000000ff',
      coinbase: '0x8888f1f195afa192cfee860698584c030f4c9db1',
      baseFeePerGas: '0x7',
      blobGasUsed: '0x20000',
      excessBlobGas: '0x40000',
      alloc: { '0x00000000219ab540356cbb839cbe05303d7705fa': { balance: '0x0', code: '0x60806040', storage: { '0x22': '0xf5a5fd42d16a20302798ef6ed309979b43003d2320d9f0e8ea9831a92759fb4b' } } },
    },
    hash: '0x3200c1cc3853d2e59077b0a9246287a31e9df4c1729f1014d8db4addb923e734',
    stateRoot: '0x9cef04348c2aa69dc873b92978bb5b6354f5e44e890efef3a84690ed1bce08a8',
  },
  {
    name: 'Shanghai and Cancun times reached but London not active: no post-London fields',
    json: { config: { chainId: 7, londonBlock: 5, shanghaiTime: 0, cancunTime: 0 }, timestamp: '0x10', gasLimit: '0x1000000', difficulty: '0x1', alloc: {} },
    hash: '0x94f47a61b18b8531a643661217a4661dcedc60b74510ba2b98f2c7eaedf54c04',
    stateRoot: '0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421',
  },
  {
    name: 'Shanghai at genesis, Cancun and Prague later',
    json: { config: { chainId: 7, londonBlock: 0, shanghaiTime: 0, cancunTime: 100, pragueTime: 200 }, timestamp: '0x32', gasLimit: '0x1000000', difficulty: '0x0', alloc: {} },
    hash: '0x74c0bdc57b4dc5b44d8ea5dd21d3950b75d786ccf974d06fe293795c58916db1',
    stateRoot: '0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421',
  },
  {
    name: 'Amsterdam at genesis with a slot number',
    json: { config: AMSTERDAM_CONFIG, timestamp: '0x0', gasLimit: '0x2000000', difficulty: '0x0', slotNumber: '0x2a', alloc: { '0x1000000000000000000000000000000000000001': { balance: '0x1', nonce: '0x1' } } },
    hash: '0x0256f5f9630dce8f3b26de78c63fb65bf9be7519abcae880029ccd2463c83ad0',
    stateRoot: '0xca870a940d807780891468eded6d74198a389d54c397ed66e88f26189b51e793',
  },
  {
    name: 'Amsterdam at genesis, slot number defaulted to 0',
    json: { config: AMSTERDAM_CONFIG, timestamp: '0x0', gasLimit: '0x2000000', difficulty: '0x0', alloc: { '0x1000000000000000000000000000000000000001': { balance: '0x1', nonce: '0x1' } } },
    hash: '0xdd89a00fe04c388c6a9ebb1cd66ac7a257bd5cb7ded299cbf61aea386383ac6f',
    stateRoot: '0xca870a940d807780891468eded6d74198a389d54c397ed66e88f26189b51e793',
  },
];

describe('genesis block (geth Genesis.ToBlock)', () => {
  for (const v of GETH_VECTORS) {
    it(`matches geth: ${v.name}`, () => {
      const b = genesisBlockFromJson(JSON.stringify(v.json));
      expect(hex(b.header.stateRoot)).toBe(v.stateRoot);
      expect(hex(b.header.hash)).toBe(v.hash);
    });
  }

  it('adds the fork fields of the forks active at genesis, with geth defaults', () => {
    const h = genesisBlockFromJson({ config: { chainId: 1, londonBlock: 0, shanghaiTime: 0, cancunTime: 0, pragueTime: 0 }, gasLimit: '0x0', difficulty: '0x0', alloc: {} });
    expect(h.header.baseFee).toBe(1_000_000_000n);
    expect(h.header.gasLimit).toBe(4_712_388n);
    expect(h.header.withdrawalsRoot).toEqual(EMPTY_TRIE_ROOT);
    expect(h.header.blobGasUsed).toBe(0n);
    expect(h.header.excessBlobGas).toBe(0n);
    expect(h.header.parentBeaconRoot).toEqual(new Uint8Array(32));
    expect(h.header.requestsHash).toEqual(EMPTY_REQUESTS_HASH);
    expect(h.withdrawals).toEqual([]);
    const pre = genesisBlockFromJson({ config: { chainId: 1 }, gasLimit: '0x1', difficulty: '0x1', alloc: {} });
    expect(pre.header.baseFee).toBeUndefined();
    expect(pre.withdrawals).toBeUndefined();
  });

  it('defaults a missing difficulty as ToBlock does (geth json requires the field)', () => {
    expect(genesisBlockFromJson({ config: { chainId: 1, ethash: {} }, alloc: {} }).header.difficulty).toBe(131_072n);
    expect(genesisBlockFromJson({ config: { chainId: 1, ethash: {} }, mixHash: `0x${'01'.repeat(32)}`, alloc: {} }).header.difficulty).toBe(0n);
    expect(genesisBlockFromJson({ config: { chainId: 1 }, alloc: {} }).header.difficulty).toBe(0n);
  });

  it('puts every listed account in the state trie, empty ones too', () => {
    const empty = parseGenesisJson({ config: {}, alloc: {} });
    expect(genesisStateRoot(empty.alloc)).toEqual(EMPTY_TRIE_ROOT);
    const one = parseGenesisJson({ config: {}, alloc: { '0x00000000000000000000000000000000000000aa': { balance: '0' } } });
    expect(genesisStateRoot(one.alloc)).not.toEqual(EMPTY_TRIE_ROOT);
  });

  it('leaves zero storage values out of the storage trie', () => {
    const withZero = parseGenesisJson({ config: {}, alloc: { aa00000000000000000000000000000000000000: { balance: '1', storage: { '0x01': '0x00', '0x02': '0x05' } } } });
    const without = parseGenesisJson({ config: {}, alloc: { aa00000000000000000000000000000000000000: { balance: '1', storage: { '0x02': '0x05' } } } });
    const a = withZero.alloc.get('aa00000000000000000000000000000000000000')!;
    const b = without.alloc.get('aa00000000000000000000000000000000000000')!;
    expect(storageRoot(a.storage)).toEqual(storageRoot(b.storage));
    expect(storageRoot(new Map([['00'.repeat(32), new Uint8Array(32)]]))).toEqual(EMPTY_TRIE_ROOT);
  });

  it('refuses genesis files whose block it cannot compute, instead of returning a wrong hash', () => {
    expect(() => genesisBlockFromJson({ config: { chainId: 1, londonBlock: 0, shanghaiTime: 0, futureForkTime: 0 }, alloc: {} })).toThrow(GenesisError);
    expect(() => genesisBlockFromJson({ config: { chainId: 1, enableVerkleAtGenesis: true }, alloc: {} })).toThrow(/verkle/);
    // An unknown fork scheduled after genesis does not affect the genesis block.
    expect(() => genesisBlockFromJson({ config: { chainId: 1, futureForkTime: 100 }, timestamp: '0x0', alloc: {} })).not.toThrow();
  });

  it('names the field of a malformed genesis.json', () => {
    const bad = (json: object, field: RegExp) => {
      let err: unknown;
      try {
        genesisBlockFromJson(json);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(DecodeError);
      expect((err as DecodeError).field).toMatch(field);
    };
    bad({ config: {}, gasLimit: 'lots', alloc: {} }, /^gasLimit$/);
    bad({ config: {}, mixHash: '0x1234', alloc: {} }, /^mixHash$/);
    bad({ config: {}, alloc: { '0x12': { balance: '1' } } }, /^alloc key/);
    bad({ config: {}, alloc: { aa00000000000000000000000000000000000000: { balance: '-1' } } }, /balance/);
    bad({ config: {}, alloc: { aa00000000000000000000000000000000000000: { storage: { '0x01': `0x${'11'.repeat(33)}` } } } }, /storage/);
    bad({ config: {}, nonce: 2 ** 60, alloc: {} }, /^nonce$/);
    expect(() => genesisBlockFromJson('{not json')).toThrow(DecodeError);
  });
});

for (const version of ['v1.17.0', 'v1.17.10']) {
  const data = ethtestData(version);
  describe.skipIf(data === undefined)(`ethtest ${version} genesis${skipNote(version, data !== undefined)}`, () => {
    it('computes the genesis hash geth uses for the ethtest chain', () => {
      const b = genesisBlockFromJson(data!.genesisJson);
      expect(hex(b.header.hash)).toBe(ETHTEST_GENESIS[version]);
      expect(b.header.number).toBe(0n);
    });

    it('is the parent of block 1 of chain.rlp', async () => {
      const g = genesisBlockFromJson(await readFile(data!.genesisFile, 'utf8'));
      const it = readChainFile(data!.chainFile)[Symbol.asyncIterator]();
      const first = (await it.next()).value!.block;
      await it.return?.(undefined);
      expect(first.header.number).toBe(1n);
      expect(hex(first.header.parentHash)).toBe(hex(g.header.hash));
    });

    it('gives the network its fork ID from the computed hash', () => {
      const g = genesisBlock(parseGenesisJson(data!.genesisJson));
      const net = networkFromGenesisJson(data!.genesisJson, g.header.hash);
      expect(net.networkId).toBe(3503995874084926n);
      // The genesis fork hash is CRC32 of the genesis hash: it must change with it.
      const other = networkFromGenesisJson(data!.genesisJson, hexToBytes(`0x${'00'.repeat(32)}`));
      expect(networkForkId(net, 0n, 0n).hash).not.toEqual(networkForkId(other, 0n, 0n).hash);
    });
  });
}
