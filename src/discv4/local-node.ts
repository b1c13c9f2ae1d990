/**
 * Our own identity on the discovery network (geth `p2p/enode/localnode.go`): the keys, the
 * endpoint advertised in Ping `from`, and our signed node record, signed again with seq + 1 on
 * every change.
 */
import { formatIp, isUnspecified } from '../common/netutil.js';
import { keccak256 } from '../crypto/keccak.js';
import { publicKeyOf } from '../crypto/secp256k1.js';
import { type Enr, EnrBuilder } from '../enode/enr.js';
import type { Endpoint } from './endpoint.js';
import { type DiscNode, makeNode } from './node.js';

export class LocalNode {
  readonly publicKey: Uint8Array;
  /** keccak256 of {@link publicKey}: our Kademlia ID. */
  readonly id: Uint8Array;
  private record: Enr;
  private cachedNode: DiscNode | undefined;

  /**
   * Signs a first record with `seq` holding the endpoint (its IP left out when unspecified),
   * plus what `entries` adds (e.g. `eth`).
   */
  constructor(
    private readonly privateKey: Uint8Array,
    /** The endpoint we advertise. */
    readonly endpoint: Endpoint,
    seq: bigint,
    entries?: (b: EnrBuilder) => void,
  ) {
    this.publicKey = publicKeyOf(privateKey);
    this.id = keccak256(this.publicKey);
    const b = new EnrBuilder();
    const { ip, udpPort, tcpPort } = endpoint;
    if (ip.length === 16) {
      if (!isUnspecified(ip)) b.ip6(ip);
      b.udp6(udpPort);
      if (tcpPort) b.tcp6(tcpPort);
    } else {
      if (!isUnspecified(ip)) b.ip(ip);
      b.udp(udpPort);
      if (tcpPort) b.tcp(tcpPort);
    }
    entries?.(b);
    this.record = b.sign(privateKey, seq);
  }

  /** Our current node record. */
  get enr(): Enr {
    return this.record;
  }

  /** Ourselves as a node (advertised endpoint, current record). */
  get node(): DiscNode {
    if (this.cachedNode?.enr !== this.record) {
      const { ip, udpPort, tcpPort } = this.endpoint;
      this.cachedNode = makeNode(this.publicKey, formatIp(ip), udpPort, tcpPort, this.record);
    }
    return this.cachedNode;
  }

  /** Changes record entries and signs the record with seq + 1. */
  update(change: (b: EnrBuilder) => void): Enr {
    const b = new EnrBuilder(this.record);
    change(b);
    this.record = b.sign(this.privateKey, this.record.seq + 1n);
    return this.record;
  }
}
