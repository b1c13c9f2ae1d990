/**
 * What went wrong with the peers a sync was given, so that a sync that cannot get a peer says
 * why (`dial 127.0.0.1:30303: ECONNREFUSED`) instead of a later symptom ("no eth peer with a
 * matching Status" once its wait has passed). A failure is a dial error, a failed or refused
 * RLPx handshake, or a failed eth Status exchange.
 */
import { bytesToHex } from '../../common/bytes.js';
import type { Enode } from '../../enode/enode-url.js';
import { nodeIdOf } from '../../enode/key.js';
import type { Server } from '../../server/server.js';
import type { EthService } from './eth-service.js';

export class GivenPeerFailures {
  /** Node ID of each given peer by the `ip:port` the server names its dials with. */
  private readonly idByTarget = new Map<string, string>();
  /** `ip:port` of each given peer by node ID. */
  private readonly targetById = new Map<string, string>();
  /** The latest failure of each given peer that has failed, by node ID. */
  private readonly failures = new Map<string, Error>();
  /** The latest failure of any peer, given or found. */
  last?: Error;
  private readonly onConnectionFailed = (dir: 'inbound' | 'outbound', err: Error, target: string): void => {
    this.last = err;
    const id = dir === 'outbound' ? this.idByTarget.get(target) : undefined;
    if (id !== undefined) this.failures.set(id, err);
  };
  private readonly onStatusFailed = (err: Error, peer: { id: string }): void => {
    this.last = err;
    if (this.targetById.has(peer.id)) this.failures.set(peer.id, err);
  };

  constructor(
    private readonly server: Server,
    private readonly eth: EthService,
    peers: readonly Enode[],
  ) {
    for (const p of peers) {
      const id = bytesToHex(nodeIdOf(p.publicKey));
      const target = `${p.ip}:${p.tcpPort}`;
      this.idByTarget.set(target, id);
      this.targetById.set(id, target);
    }
    server.on('connection:failed', this.onConnectionFailed);
    eth.on('handshake:failed', this.onStatusFailed);
  }

  /** Every given peer has failed at least once (false when none was given). */
  get allFailed(): boolean {
    return this.targetById.size > 0 && this.failures.size === this.targetById.size;
  }

  /** The first given peer's failure (the cause of a sync that gives up on them). */
  get first(): Error | undefined {
    return this.failures.values().next().value;
  }

  /** Each given peer's failure, on one line. */
  describe(): string {
    return [...this.failures.entries()]
      .map(([id, err]) => {
        const target = this.targetById.get(id)!;
        // A DialError names the address itself ("dial 1.2.3.4:30303: ECONNREFUSED").
        return err.message.includes(target) ? err.message : `${target}: ${err.message}`;
      })
      .join('; ');
  }

  /** Stops listening to the server and the eth service. */
  close(): void {
    this.server.off('connection:failed', this.onConnectionFailed);
    this.eth.off('handshake:failed', this.onStatusFailed);
  }
}
