/**
 * enode:// URLs: `enode://<128 hex public key>@<ip>:<tcp>?discport=<udp>`, IPv4 and IPv6
 * (`[::1]`). Host names are not resolved here: a URL must carry an IP literal, as geth's
 * ParseV4 requires for dialing.
 */
import { isIP } from 'node:net';
import { bytesToHex } from '../common/bytes.js';
import { validatePublicKey } from '../crypto/secp256k1.js';

/** Raised for a malformed enode URL; the message says which part is wrong. */
export class EnodeUrlError extends Error {
  constructor(readonly url: string, reason: string) {
    super(`invalid enode URL: ${reason}`);
    this.name = 'EnodeUrlError';
  }
}

/** A node's identity and endpoint as an enode URL carries it. */
export interface Enode {
  /** 64-byte secp256k1 public key (what devp2p calls the node ID in URLs and Hello). */
  publicKey: Uint8Array;
  /** IP literal (IPv4 dotted or IPv6 without brackets). */
  ip: string;
  /** TCP port for RLPx (0 if the node does not listen). */
  tcpPort: number;
  /** UDP port for discovery; equals tcpPort unless `discport` says otherwise. */
  udpPort: number;
}

function parsePort(s: string, url: string, what: string): number {
  if (!/^\d{1,5}$/.test(s)) throw new EnodeUrlError(url, `${what} port "${s}" is not a number`);
  const n = Number(s);
  if (n > 65535) throw new EnodeUrlError(url, `${what} port ${n} out of range`);
  return n;
}

/** Parses an enode URL; throws {@link EnodeUrlError} naming the bad part. */
export function parseEnode(url: string): Enode {
  const s = url.trim();
  if (!s.startsWith('enode://')) throw new EnodeUrlError(url, 'missing enode:// scheme');
  const rest = s.slice('enode://'.length);
  const at = rest.indexOf('@');
  if (at < 0) throw new EnodeUrlError(url, 'missing @host:port');
  const idHex = rest.slice(0, at);
  if (!/^[0-9a-fA-F]{128}$/.test(idHex)) throw new EnodeUrlError(url, 'node ID must be 128 hex characters');
  const publicKey = new Uint8Array(Buffer.from(idHex, 'hex'));
  try {
    validatePublicKey(publicKey);
  } catch {
    throw new EnodeUrlError(url, 'node ID is not a valid secp256k1 public key');
  }
  let hostPort = rest.slice(at + 1);
  let query = '';
  const q = hostPort.indexOf('?');
  if (q >= 0) {
    query = hostPort.slice(q + 1);
    hostPort = hostPort.slice(0, q);
  }
  let ip: string;
  let portStr: string;
  if (hostPort.startsWith('[')) {
    const close = hostPort.indexOf(']');
    if (close < 0 || hostPort[close + 1] !== ':') throw new EnodeUrlError(url, 'IPv6 host must be [addr]:port');
    ip = hostPort.slice(1, close);
    portStr = hostPort.slice(close + 2);
    if (isIP(ip) !== 6) throw new EnodeUrlError(url, `"${ip}" is not an IPv6 address`);
  } else {
    const colon = hostPort.lastIndexOf(':');
    if (colon < 0) throw new EnodeUrlError(url, 'missing :port');
    if (hostPort.indexOf(':') !== colon) throw new EnodeUrlError(url, `IPv6 host "${hostPort}" must be written as [addr]:port`);
    ip = hostPort.slice(0, colon);
    portStr = hostPort.slice(colon + 1);
    if (isIP(ip) !== 4) throw new EnodeUrlError(url, `"${ip}" is not an IP address`);
  }
  const tcpPort = parsePort(portStr, url, 'TCP');
  let udpPort = tcpPort;
  if (query) {
    for (const kv of query.split('&')) {
      const [k, v] = kv.split('=');
      if (k === 'discport') udpPort = parsePort(v ?? '', url, 'discovery');
    }
  }
  return { publicKey, ip, tcpPort, udpPort };
}

/** Formats an enode URL (adds `?discport=` only when the UDP port differs from TCP). */
export function formatEnode(e: Enode): string {
  const host = isIP(e.ip) === 6 ? `[${e.ip}]` : e.ip;
  const disc = e.udpPort !== e.tcpPort ? `?discport=${e.udpPort}` : '';
  return `enode://${bytesToHex(e.publicKey)}@${host}:${e.tcpPort}${disc}`;
}
