/** Where a peer slot connects: the node under test or one of the driver's hubs. */
import { parseEnode } from '../../src/enode/enode-url.js';

export interface Target {
  publicKey: Uint8Array;
  port: number;
}

/** The node or hub at `enode`, as a slot dials it. */
export function target(enode: string): Target {
  const e = parseEnode(enode);
  return { publicKey: e.publicKey, port: e.tcpPort };
}
