/**
 * Built-in networks: mainnet, Sepolia, Holesky and Hoodi. Fork schedules, genesis hashes and
 * timestamps follow go-ethereum `params/config.go` and `core/genesis.go` (through BPO2, as in
 * `core/forkid/forkid_test.go`); bootnodes follow `params/bootnodes.go`; genesis headers are
 * geth's, byte for byte.
 */
import { equalBytes, hexToBytes } from '../common/bytes.js';
import { decodeHeader, type BlockHeader } from './header.js';
import type { BlockFork, EthNetwork, TimeFork } from './chain-config.js';

const blocks = (forks: Record<string, number>): BlockFork[] =>
  Object.entries(forks).map(([name, block]) => ({ name, block: BigInt(block) }));
const times = (forks: Record<string, number>): TimeFork[] => Object.entries(forks).map(([name, time]) => ({ name, time: BigInt(time) }));

/** Public DNS discovery trees (geth `KnownDNSNetwork`, protocol "all"). */
const DNS_PREFIX = 'enrtree://AKA3AM6LPBYEUDMVNU3BSVQJ5AD45Y7YPOHJLEF6W26QOE4VTUDPE@all.';

/** Forks every post-merge test network activates at genesis. */
const GENESIS_FORKS_THROUGH_LONDON = {
  homesteadBlock: 0,
  eip150Block: 0,
  eip155Block: 0,
  eip158Block: 0,
  byzantiumBlock: 0,
  constantinopleBlock: 0,
  petersburgBlock: 0,
  istanbulBlock: 0,
  berlinBlock: 0,
  londonBlock: 0,
};

/** Ethereum mainnet. */
export const MAINNET: EthNetwork = {
  name: 'mainnet',
  networkId: 1n,
  genesisHash: hexToBytes('d4e56740f876aef8c010b86a40d5f56745a118d0906a34e69aec8c0db1cb8fa3'),
  genesisTime: 0n,
  blockForks: blocks({
    homesteadBlock: 1_150_000,
    daoForkBlock: 1_920_000,
    eip150Block: 2_463_000,
    eip155Block: 2_675_000,
    eip158Block: 2_675_000,
    byzantiumBlock: 4_370_000,
    constantinopleBlock: 7_280_000,
    petersburgBlock: 7_280_000,
    istanbulBlock: 9_069_000,
    muirGlacierBlock: 9_200_000,
    berlinBlock: 12_244_000,
    londonBlock: 12_965_000,
    arrowGlacierBlock: 13_773_000,
    grayGlacierBlock: 15_050_000,
  }),
  timeForks: times({
    shanghaiTime: 1681338455,
    cancunTime: 1710338135,
    pragueTime: 1746612311,
    osakaTime: 1764798551,
    bpo1Time: 1765290071,
    bpo2Time: 1767747671,
  }),
  bootnodes: [
    'enode://d860a01f9722d78051619d1e2351aba3f43f943f6f00718d1b9baa4101932a1f5011f16bb2b1bb35db20d6fe28fa0bf09636d26a87d31de9ec6203eeedb1f666@18.138.108.67:30303',
    'enode://22a8232c3abc76a16ae9d6c3b164f98775fe226f0917b0ca871128a74a8e9630b458460865bab457221f1d448dd9791d24c4e5d88786180ac185df813a68d4de@3.209.45.79:30303',
    'enode://2b252ab6a1d0f971d9722cb839a42cb81db019ba44c08754628ab4a823487071b5695317c8ccd085219c3a03af063495b2f1da8d18218da2d6a82981b45e6ffc@65.108.70.101:30303',
    'enode://4aeb4ab6c14b23e2c4cfdce879c04b0748a20d8e9b59e25ded2a08143e265c6c25936e74cbc8e641e3312ca288673d91f2f93f8e277de3cfa444ecdaaf982052@157.90.35.166:30303',
  ],
  dnsDiscovery: `${DNS_PREFIX}mainnet.ethdisco.net`,
};

/** Sepolia test network. */
export const SEPOLIA: EthNetwork = {
  name: 'sepolia',
  networkId: 11155111n,
  genesisHash: hexToBytes('25a5cc106eea7138acab33231d7160d69cb777ee0c2c553fcddf5138993e6dd9'),
  genesisTime: 1633267481n,
  blockForks: blocks({ ...GENESIS_FORKS_THROUGH_LONDON, muirGlacierBlock: 0, mergeNetsplitBlock: 1_735_371 }),
  timeForks: times({
    shanghaiTime: 1677557088,
    cancunTime: 1706655072,
    pragueTime: 1741159776,
    osakaTime: 1760427360,
    bpo1Time: 1761017184,
    bpo2Time: 1761607008,
  }),
  bootnodes: [
    'enode://4e5e92199ee224a01932a377160aa432f31d0b351f84ab413a8e0a42f4f36476f8fb1cbe914af0d9aef0d51665c214cf653c651c4bbd9d5550a934f241f1682b@138.197.51.181:30303',
    'enode://143e11fb766781d22d92a2e33f8f104cddae4411a122295ed1fdb6638de96a6ce65f5b7c964ba3763bba27961738fef7d3ecc739268f3e5e771fb4c87b6234ba@146.190.1.103:30303',
    'enode://8b61dc2d06c3f96fddcbebb0efb29d60d3598650275dc469c22229d3e5620369b0d3dedafd929835fe7f489618f19f456fe7c0df572bf2d914a9f4e006f783a9@170.64.250.88:30303',
    'enode://10d62eff032205fcef19497f35ca8477bea0eadfff6d769a147e895d8b2b8f8ae6341630c645c30f5df6e67547c03494ced3d9c5764e8622a26587b083b028e8@139.59.49.206:30303',
    'enode://9e9492e2e8836114cc75f5b929784f4f46c324ad01daf87d956f98b3b6c5fcba95524d6e5cf9861dc96a2c8a171ea7105bb554a197455058de185fa870970c7c@138.68.123.152:30303',
  ],
  dnsDiscovery: `${DNS_PREFIX}sepolia.ethdisco.net`,
};

/** Holesky test network (retired by its operators, still in geth). */
export const HOLESKY: EthNetwork = {
  name: 'holesky',
  networkId: 17000n,
  genesisHash: hexToBytes('b5f7f912443c940f21fd611f12828d75b534364ed9e95ca4e307729a4661bde4'),
  genesisTime: 1695902100n,
  blockForks: blocks(GENESIS_FORKS_THROUGH_LONDON),
  timeForks: times({
    shanghaiTime: 1696000704,
    cancunTime: 1707305664,
    pragueTime: 1740434112,
    osakaTime: 1759308480,
    bpo1Time: 1759800000,
    bpo2Time: 1760389824,
  }),
  bootnodes: [
    'enode://ac906289e4b7f12df423d654c5a962b6ebe5b3a74cc9e06292a85221f9a64a6f1cfdd6b714ed6dacef51578f92b34c60ee91e9ede9c7f8fadc4d347326d95e2b@146.190.13.128:30303',
    'enode://a3435a0155a3e837c02f5e7f5662a2f1fbc25b48e4dc232016e1c51b544cb5b4510ef633ea3278c0e970fa8ad8141e2d4d0f9f95456c537ff05fdf9b31c15072@178.128.136.233:30303',
  ],
  dnsDiscovery: `${DNS_PREFIX}holesky.ethdisco.net`,
};

/** Hoodi test network. */
export const HOODI: EthNetwork = {
  name: 'hoodi',
  networkId: 560048n,
  genesisHash: hexToBytes('bbe312868b376a3001692a646dd2d7d1e4406380dfd86b98aa8a34d1557c971b'),
  genesisTime: 1742212800n,
  blockForks: blocks({ ...GENESIS_FORKS_THROUGH_LONDON, muirGlacierBlock: 0, mergeNetsplitBlock: 0 }),
  timeForks: times({
    shanghaiTime: 0,
    cancunTime: 0,
    pragueTime: 1742999832,
    osakaTime: 1761677592,
    bpo1Time: 1762365720,
    bpo2Time: 1762955544,
  }),
  bootnodes: [
    'enode://2112dd3839dd752813d4df7f40936f06829fc54c0e051a93967c26e5f5d27d99d886b57b4ffcc3c475e930ec9e79c56ef1dbb7d86ca5ee83a9d2ccf36e5c240c@134.209.138.84:30303',
    'enode://60203fcb3524e07c5df60a14ae1c9c5b24023ea5d47463dfae051d2c9f3219f309657537576090ca0ae641f73d419f53d8e8000d7a464319d4784acd7d2abc41@209.38.124.160:30303',
    'enode://8ae4a48101b2299597341263da0deb47cc38aa4d3ef4b7430b897d49bfa10eb1ccfe1655679b1ed46928ef177fbf21b86837bd724400196c508427a6f41602cd@134.199.184.23:30303',
  ],
  dnsDiscovery: `${DNS_PREFIX}hoodi.ethdisco.net`,
};

/** Built-in networks by name. */
export const NETWORKS: Readonly<Record<'mainnet' | 'sepolia' | 'holesky' | 'hoodi', EthNetwork>> = {
  mainnet: MAINNET,
  sepolia: SEPOLIA,
  holesky: HOLESKY,
  hoodi: HOODI,
};

/**
 * Each built-in network's genesis header as RLP, as geth builds it from the network's genesis
 * spec (`core/genesis.go`, `ToBlock`; printed by geth v1.15.11, the last release that still
 * defines Holesky): a node serves its genesis block even before it holds any other. A test
 * checks that each hashes to the network's genesis hash.
 */
const GENESIS_HEADER_RLP: Readonly<Record<keyof typeof NETWORKS, string>> = {
  mainnet:
    'f90214a00000000000000000000000000000000000000000000000000000000000000000a01dcc4de8dec75d7aab85b5' +
    '67b6ccd41ad312451b948a7413f0a142fd40d49347940000000000000000000000000000000000000000a0d7f8974fb5' +
    'ac78d9ac099b9ad5018bedc2ce0a72dad1827a1709da30580f0544a056e81f171bcc55a6ff8345e692c0f86e5b48e01b' +
    '996cadc001622fb5e363b421a056e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421b90100' +
    '000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000' +
    '000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000' +
    '000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000' +
    '000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000' +
    '000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000' +
    '00000000000000000000000000000000850400000000808213888080a011bbe8db4e347b4e8c937c1c8370e4b5ed33ad' +
    'b3db69cbdb7a38e1e50b1b82faa000000000000000000000000000000000000000000000000000000000000000008800' +
    '00000000000042',
  sepolia:
    'f9021da00000000000000000000000000000000000000000000000000000000000000000a01dcc4de8dec75d7aab85b5' +
    '67b6ccd41ad312451b948a7413f0a142fd40d49347940000000000000000000000000000000000000000a05eb6e371a6' +
    '98b8d68f665192350ffcecbbbf322916f4b51bd79bb6887da3f494a056e81f171bcc55a6ff8345e692c0f86e5b48e01b' +
    '996cadc001622fb5e363b421a056e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421b90100' +
    '000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000' +
    '000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000' +
    '000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000' +
    '000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000' +
    '000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000' +
    '0000000000000000000000000000000083020000808401c9c38080846159af19a05365706f6c69612c20417468656e73' +
    '2c204174746963612c2047726565636521a0000000000000000000000000000000000000000000000000000000000000' +
    '0000880000000000000000843b9aca00',
  holesky:
    'f901faa00000000000000000000000000000000000000000000000000000000000000000a01dcc4de8dec75d7aab85b5' +
    '67b6ccd41ad312451b948a7413f0a142fd40d49347940000000000000000000000000000000000000000a069d8c9d72f' +
    '6fa4ad42d4702b433707212f90db395eb54dc20bc85de253788783a056e81f171bcc55a6ff8345e692c0f86e5b48e01b' +
    '996cadc001622fb5e363b421a056e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421b90100' +
    '000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000' +
    '000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000' +
    '000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000' +
    '000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000' +
    '000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000' +
    '00000000000000000000000000000000018084017d784080846515699480a00000000000000000000000000000000000' +
    '000000000000000000000000000000880000000000001234843b9aca00',
  hoodi:
    'f9023ea00000000000000000000000000000000000000000000000000000000000000000a01dcc4de8dec75d7aab85b5' +
    '67b6ccd41ad312451b948a7413f0a142fd40d49347940000000000000000000000000000000000000000a0da87d7f5f9' +
    '1c51508791bbcbd4aa5baf04917830b86985eeb9ad3d5bfb657576a056e81f171bcc55a6ff8345e692c0f86e5b48e01b' +
    '996cadc001622fb5e363b421a056e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421b90100' +
    '000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000' +
    '000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000' +
    '000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000' +
    '000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000' +
    '000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000' +
    '0000000000000000000000000000000001808402255100808467d80ec080a00000000000000000000000000000000000' +
    '000000000000000000000000000000880000000000001234843b9aca00a056e81f171bcc55a6ff8345e692c0f86e5b48' +
    'e01b996cadc001622fb5e363b4218080a000000000000000000000000000000000000000000000000000000000000000' +
    '00',
};

/**
 * The genesis header of a built-in network (by its genesis hash), or undefined for any other
 * network (a genesis.json network computes its own, see genesis.ts).
 */
export function builtinGenesisHeader(genesisHash: Uint8Array): BlockHeader | undefined {
  for (const [name, n] of Object.entries(NETWORKS)) {
    if (!equalBytes(n.genesisHash, genesisHash)) continue;
    const header = decodeHeader(hexToBytes(GENESIS_HEADER_RLP[name as keyof typeof NETWORKS]));
    // The embedded bytes are the network's: a mismatch is a bug here, not a peer's fault.
    if (!equalBytes(header.hash, genesisHash)) throw new Error(`embedded genesis header of ${name} does not hash to its genesis hash`);
    return header;
  }
  return undefined;
}

/** A built-in network by name, network ID or genesis hash. */
export function findNetwork(key: string | bigint | Uint8Array): EthNetwork | undefined {
  const all = Object.values(NETWORKS);
  if (typeof key === 'string') return NETWORKS[key as keyof typeof NETWORKS];
  if (typeof key === 'bigint') return all.find((n) => n.networkId === key);
  return all.find((n) => n.genesisHash.length === key.length && n.genesisHash.every((b, i) => b === key[i]));
}
