/**
 * Prometheus metrics for a server (prom-client), in a registry of its own so several servers can
 * live in one process: peers by direction, dials and their outcome, disconnect reasons by side,
 * messages and bytes per protocol, code and direction; optionally served over HTTP.
 */
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Registry } from 'prom-client';
import { DisconnectReason } from '../rlpx/disconnect-reason.js';
import type { Server } from './server.js';

/** Creates and wires the metrics of `server`; returns the registry to expose. */
export function serverMetrics(server: Server): Registry {
  const registry = new Registry();
  new Gauge({
    name: 'devp2p_peers',
    help: 'Connected peers by direction',
    labelNames: ['direction'],
    registers: [registry],
    collect() {
      const c = server.counts();
      this.set({ direction: 'inbound' }, c.inbound);
      this.set({ direction: 'outbound' }, c.outbound);
    },
  });
  new Gauge({
    name: 'devp2p_dials_in_flight',
    help: 'Outbound dials in progress',
    registers: [registry],
    collect() {
      this.set(server.counts().dialing);
    },
  });
  const connections = new Counter({ name: 'devp2p_connections_total', help: 'Connection attempts by direction and outcome', labelNames: ['direction', 'outcome'], registers: [registry] });
  new Gauge({
    name: 'devp2p_inbound_refused',
    help: 'Inbound sockets refused before the handshake, by cause (since start)',
    labelNames: ['cause'],
    registers: [registry],
    collect() {
      for (const [cause, n] of Object.entries(server.stats.inboundRefused)) this.set({ cause }, n);
    },
  });
  const disconnects = new Counter({ name: 'devp2p_disconnects_total', help: 'Ended peer sessions by reason and by which side ended them', labelNames: ['reason', 'side'], registers: [registry] });
  const messages = new Counter({ name: 'devp2p_protocol_messages_total', help: 'Sub-protocol messages', labelNames: ['protocol', 'code', 'direction'], registers: [registry] });
  const bytes = new Counter({ name: 'devp2p_protocol_bytes_total', help: 'Sub-protocol message body bytes (after snappy decoding)', labelNames: ['protocol', 'code', 'direction'], registers: [registry] });

  server.on('peer:added', (p) => connections.inc({ direction: p.direction, outcome: 'success' }));
  server.on('connection:failed', (direction) => connections.inc({ direction, outcome: 'failure' }));
  server.on('peer:removed', (_p, info) => disconnects.inc({ reason: DisconnectReason[info.reason] ?? String(info.reason), side: info.remote ? 'remote' : 'local' }));
  server.on('traffic', (direction, protocol, code, n) => {
    const labels = { protocol, code: String(code), direction };
    messages.inc(labels);
    bytes.inc(labels, n);
  });
  return registry;
}

/** Serves `GET /metrics` on host:port; resolves with the bound port and a close function. */
export async function serveMetrics(registry: Registry, host: string, port: number): Promise<{ port: number; close(): Promise<void> }> {
  const http: HttpServer = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    registry.metrics().then(
      (body) => res.writeHead(200, { 'content-type': registry.contentType }).end(body),
      (err: Error) => res.writeHead(500).end(err.message),
    );
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(port, host, () => resolve());
  });
  return {
    port: (http.address() as AddressInfo).port,
    close: () => new Promise<void>((r) => http.close(() => r())),
  };
}
