/** What the discv4 checks test: the node's UDP endpoint and key, and the tester's addresses. */
import { isLoopback, parseIp } from '../../common/netutil.js';
import type { UdpAddress } from '../../discv4/udp.js';

/** Default wait for each reply (geth's suite waits 300 ms; a little more for busy machines). */
export const DEFAULT_WAIT_MS = 500;

export interface Discv4Target {
  /** The node under test: its 64-byte public key and UDP endpoint. */
  node: { publicKey: Uint8Array; ip: string; udpPort: number };
  /** IP the tester binds (default 127.0.0.1 for a loopback node, else 0.0.0.0). */
  listen?: string;
  /** UDP port the tester binds (default 0: any; each check binds afresh). */
  listenPort?: number;
  /**
   * A second local IP for the per-IP endpoint proof check (default 127.0.0.2 for a loopback
   * node, as geth's `-listen2`; otherwise the check is skipped unless one is given).
   */
  listen2?: string;
  /** How long each read waits, default {@link DEFAULT_WAIT_MS}. */
  waitMs?: number;
}

/** The node's UDP address. */
export function nodeAddress(t: Discv4Target): UdpAddress {
  return { ip: t.node.ip, port: t.node.udpPort };
}

/** True if the node is on this host's loopback network. */
export function isLoopbackTarget(t: Discv4Target): boolean {
  const ip = parseIp(t.node.ip);
  return ip !== undefined && isLoopback(ip);
}

/** The IP the tester's first socket binds. */
export function listenIp(t: Discv4Target): string {
  return t.listen ?? (isLoopbackTarget(t) ? '127.0.0.1' : '0.0.0.0');
}

/** The IP of the second socket, if there is one. */
export function listenIp2(t: Discv4Target): string | undefined {
  return t.listen2 ?? (isLoopbackTarget(t) ? '127.0.0.2' : undefined);
}
