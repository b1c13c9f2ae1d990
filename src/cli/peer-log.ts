/**
 * What the long-running commands (`serve`, `node`, `discv4 listen`) log about peers: each
 * arrival, refusal (with the reason, and who refused) and departure (with the Disconnect reason
 * and who sent it) at info; failed connections that never reached Hello at debug (on a public
 * port most are scanners); every message at trace.
 */
import type { Logger } from '../common/log.js';
import type { Discv4 } from '../discv4/discv4.js';
import { packetTypeName } from '../discv4/messages.js';
import { disconnectReasonName } from '../rlpx/disconnect-reason.js';
import type { Peer } from '../server/peer.js';
import type { Server } from '../server/server.js';
import type { EthService } from '../sync/node/eth-service.js';

/** A node ID as logs show it (geth shows 16 hex characters too). */
const shortId = (id: string): string => id.slice(0, 16);

/** Who ended a session, from `remote` of a CloseInfo or DisconnectError. */
const by = (remote: boolean): 'remote' | 'local' => (remote ? 'remote' : 'local');

/**
 * Logs the server's peers (and the eth Status outcome when `eth` runs on it). Peers already
 * connected (a server started before this was called) are logged at once.
 */
export function logServerPeers(server: Server, log: Logger, eth?: EthService): void {
  const arrived = (peer: Peer) => {
    const i = peer.info();
    log.info('peer connected', { id: shortId(i.id), dir: i.direction, addr: i.remoteAddress, client: i.clientId, caps: i.caps.join(',') });
  };
  for (const peer of server.peers) arrived(peer);
  server.on('peer:added', arrived);
  server.on('peer:removed', (peer, info) => {
    log.info('peer disconnected', {
      id: shortId(peer.id),
      reason: disconnectReasonName(info.reason),
      by: by(info.remote),
      after: `${((Date.now() - peer.session.activeSince) / 1000).toFixed(1)}s`,
      ...(info.error && !info.remote ? { err: info.error } : {}),
    });
  });
  server.on('connection:failed', (dir, err, target) => {
    // A Disconnect during the handshake is a refusal: ours (limits, Hello checks) or theirs.
    const d = err as Error & { reason?: number; remote?: boolean };
    if (err.name === 'DisconnectError' && d.reason !== undefined) {
      log.info('peer refused', { dir, addr: target, reason: disconnectReasonName(d.reason), by: by(d.remote === true) });
    } else {
      log.debug('connection failed', { dir, addr: target, err });
    }
  });
  if (log.enabled('trace')) server.on('traffic', (dir, protocol, code, bytes) => log.trace('message', { dir, protocol, code, bytes }));
  if (eth) {
    eth.on('peer', (p, sp) => log.info('eth peer', { id: shortId(sp.id), eth: p.version, client: sp.session.remoteHello?.clientId }));
    eth.on('handshake:failed', (err, sp) => log.info('peer refused at Status', { id: shortId(sp.id), err }));
  }
}

/**
 * Logs a discovery node's table: nodes entering and leaving it, and datagrams it refused with
 * the reason. Rate-limited datagrams go to debug: they are a flood by definition.
 */
export function logDiscoveryNodes(discv4: Discv4, log: Logger): void {
  discv4.on('node:added', (n) => log.info('node added', { id: shortId(n.idHex), addr: `${n.ip}:${n.udpPort}` }));
  discv4.on('node:removed', (n) => log.info('node removed', { id: shortId(n.idHex), addr: `${n.ip}:${n.udpPort}` }));
  discv4.on('dropped', (reason, from, detail) => {
    const fields = { reason, from: `${from.ip}:${from.port}`, ...(detail ? { detail } : {}) };
    if (reason === 'rate-limited') log.debug('packet refused', fields);
    else log.info('packet refused', fields);
  });
  if (log.enabled('trace')) discv4.on('packet', (type, from) => log.trace('packet', { type: packetTypeName(type), from: `${from.ip}:${from.port}` }));
}
