/**
 * eth as a server protocol: registers eth/68, eth/69 and eth/70 with the server, runs the Status
 * handshake on each new peer through a {@link SessionView} and keeps the resulting EthPeers.
 * Messages keep the server's per-protocol ordering and bounds; messages that follow Status
 * closely wait (in order) until the EthPeer that consumes them exists.
 */
import { TypedEmitter } from '../../common/emitter.js';
import { ETH_PROTOCOL_LENGTHS, ETH_VERSIONS, messageNameForCode, type EthVersion } from '../../eth/protocol.js';
import { EthPeer, type EthPeerOptions } from '../../eth/peer.js';
import type { CloseInfo } from '../../rlpx/session.js';
import type { Protocol, ProtocolHandler, ProtocolPeer } from '../../server/protocol.js';
import { SessionView } from '../../server/session-view.js';

export interface EthServiceEvents {
  /** A peer passed the Status handshake. */
  peer: (peer: EthPeer, serverPeer: ProtocolPeer) => void;
  /** An eth peer went away. */
  'peer:removed': (peer: EthPeer, info: CloseInfo) => void;
  /** A peer failed the Status handshake (typed EthHandshakeError; it has been disconnected). */
  'handshake:failed': (error: Error, serverPeer: ProtocolPeer) => void;
}

export type EthServiceOptions = Omit<EthPeerOptions, 'signal'> & {
  /** Versions offered (default 68, 69 and 70). */
  versions?: readonly EthVersion[];
};

export class EthService extends TypedEmitter<EthServiceEvents> {
  /** Connected eth peers by node ID. */
  readonly peers = new Map<string, EthPeer>();

  constructor(private readonly opts: EthServiceOptions) {
    super();
  }

  /** The protocols to register with the server: one per eth version. */
  protocols(): Protocol[] {
    return (this.opts.versions ?? ETH_VERSIONS).map((version) => ({
      name: 'eth',
      version,
      length: ETH_PROTOCOL_LENGTHS[version],
      messageName: (code: number) => messageNameForCode(version, code),
      create: (peer: ProtocolPeer) => this.attach(peer),
    }));
  }

  private attach(peer: ProtocolPeer): ProtocolHandler {
    const view = new SessionView(peer, 'eth');
    let statusSeen = false;
    let ready = false;
    const { versions: _versions, ...peerOpts } = this.opts;
    const connecting = EthPeer.connect(view, peerOpts).then(
      (ethPeer) => {
        ready = true;
        this.peers.set(peer.id, ethPeer);
        const removed = (info: CloseInfo) => {
          // A session replaced by another with the same node (simultaneous dials) must not
          // remove its successor.
          if (this.peers.get(peer.id) === ethPeer) this.peers.delete(peer.id);
          this.emit('peer:removed', ethPeer, info);
        };
        ethPeer.once('close', removed);
        this.emit('peer', ethPeer, peer);
        // The session may have ended between the EthPeer's construction and this continuation
        // (a Disconnect right behind the Status): its 'close' is gone, so remove the peer now.
        if (ethPeer.closeInfo !== undefined) {
          ethPeer.off('close', removed);
          removed(ethPeer.closeInfo);
        }
      },
      (err: Error) => {
        this.emit('handshake:failed', err, peer);
        throw err;
      },
    );
    connecting.catch(() => {});
    return view.handler((code) => {
      if (ready) return undefined;
      // The handshake listens until it has the Status; what follows waits for the EthPeer.
      if (!statusSeen) {
        if (code === 0) statusSeen = true;
        return undefined;
      }
      return connecting;
    });
  }
}
