/**
 * snap as a server protocol: registers snap/1 and snap/2 with the server and runs a
 * {@link SnapPeer} on each peer that negotiates one, serving from a {@link StateReader} and
 * reporting misbehaviour to the server's reputation. snap has no handshake of its own.
 */
import type { CloseInfo } from '../../rlpx/session.js';
import type { Protocol, ProtocolPeer } from '../../server/protocol.js';
import { SnapPeer, type SnapPeerOptions } from '../../snap/peer.js';
import { SNAP_PROTOCOL_LENGTHS, SNAP_PROTOCOL_NAME, SNAP_VERSIONS, snapMessageNameForCode, type SnapVersion } from '../../snap/protocol.js';

export interface SnapServiceOptions extends SnapPeerOptions {
  /** Versions offered (default snap/1 and snap/2). */
  versions?: readonly SnapVersion[];
}

export class SnapService {
  /** Connected snap peers by node ID. */
  readonly peers = new Map<string, SnapPeer>();

  constructor(private readonly opts: SnapServiceOptions = {}) {}

  /** The protocols to register with the server: one per snap version. */
  protocols(): Protocol[] {
    return (this.opts.versions ?? SNAP_VERSIONS).map((version) => ({
      name: SNAP_PROTOCOL_NAME,
      version,
      length: SNAP_PROTOCOL_LENGTHS[version],
      messageName: (code: number) => snapMessageNameForCode(version, code),
      create: (peer: ProtocolPeer) => {
        const { versions: _versions, ...peerOpts } = this.opts;
        const snap = new SnapPeer(
          { version, send: (code, data) => peer.send(code, data), disconnect: (reason, error) => peer.disconnect(reason, error), penalize: (kind, detail) => peer.penalize(kind, detail) },
          peerOpts,
        );
        this.peers.set(peer.id, snap);
        return {
          handle: (code: number, data: Uint8Array) => snap.handle(code, data),
          close: (info: CloseInfo) => {
            if (this.peers.get(peer.id) === snap) this.peers.delete(peer.id);
            snap.close(info);
          },
        };
      },
    }));
  }
}
