import { ourHandshakes, ourHeapPerPeer, ourRoundTrip, ourThroughput } from './rlpx.js';
const r = {
  hs_seq: await ourHandshakes({ count: 100, concurrency: 1 }),
  hs_conc: await ourHandshakes({ count: 50, concurrency: 50 }),
  mib: await ourThroughput({ messageSize: 1 << 20, messages: 100 }),
  k64: await ourThroughput({ messageSize: 65536, messages: 1000 }),
  k1: await ourThroughput({ messageSize: 1024, messages: 20000 }),
  rtt: await ourRoundTrip({ rounds: 200 }),
  heap: await ourHeapPerPeer({ peers: 100 }),
};
console.log(JSON.stringify(r));
