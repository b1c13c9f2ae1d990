/** Every command of the CLI, as one tree (the order is the order of `devp2p-ts --help`). */
import type { Group } from './command-tree.js';
import { CRAWL_COMMAND } from './crawl.js';
import { DEMO_GROUP } from './demo.js';
import { DEVNET_CHAIN_COMMAND } from './devnet-chain.js';
import { DISCV4_GROUP, ENRDUMP_COMMAND } from './discv4.js';
import { DISCV5_GROUP } from './discv5.js';
import { DNS_GROUP } from './dns.js';
import { ETH_GROUP } from './eth.js';
import { KEY_GROUP } from './key.js';
import { NODE_COMMAND } from './node.js';
import { REPORT_COMMAND } from './report.js';
import { RLPX_GROUP } from './rlpx.js';
import { SERVE_COMMAND } from './serve.js';
import { SNAP_GROUP } from './snap.js';
import { SYNC_HEADERS_COMMAND } from './sync-headers.js';
import { TEST_GROUP } from './test.js';

export const ROOT: Group = {
  name: '',
  summary: 'devp2p-ts: Ethereum devp2p (RLPx, discv4, eth) in TypeScript.',
  commands: {
    demo: DEMO_GROUP,
    key: KEY_GROUP,
    enrdump: ENRDUMP_COMMAND,
    rlpx: RLPX_GROUP,
    eth: ETH_GROUP,
    snap: SNAP_GROUP,
    discv4: DISCV4_GROUP,
    discv5: DISCV5_GROUP,
    dns: DNS_GROUP,
    node: NODE_COMMAND,
    serve: SERVE_COMMAND,
    'devnet-chain': DEVNET_CHAIN_COMMAND,
    'sync-headers': SYNC_HEADERS_COMMAND,
    crawl: CRAWL_COMMAND,
    report: REPORT_COMMAND,
    test: TEST_GROUP,
  },
};
