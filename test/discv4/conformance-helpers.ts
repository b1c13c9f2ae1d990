/** Small helpers shared by the conformance and hostile tests. */
import { encodeMessage, PacketType, parseIp } from '../../src/discv4/index.js';
import type { RawPeer } from './support.js';
import { future } from './support.js';

export { type Discv4, PacketType, parseIp } from '../../src/discv4/index.js';

/** The RLP body of a valid Ping from `p` to `to` (to frame under another type byte). */
export function rlpEncodePing(p: RawPeer, to: { ip: string; port: number }): Uint8Array {
  return encodeMessage({
    type: PacketType.Ping,
    version: 4n,
    from: p.endpoint,
    to: { ip: parseIp(to.ip)!, udpPort: to.port, tcpPort: 0 },
    expiration: future(),
  });
}
