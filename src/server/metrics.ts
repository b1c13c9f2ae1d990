/**
 * Prometheus metrics for a server (prom-client), in a registry of its own so several servers can
 * live in one process: peers by direction, dials in flight, connection attempts by outcome,
 * refusals, disconnect reasons by side, and messages and bytes per protocol, message name and
 * direction; optionally served over HTTP.
 *
 * Every value is read from the server's own state when the registry is scraped (its counts, its
 * stats and its traffic totals, kept since it was created), so metrics attached to a server that
 * has been running for hours report what happened before they were attached too.
 */
import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Registry } from 'prom-client';
import type { Server } from './server.js';

/**
 * A counter whose values are read from totals kept elsewhere at each scrape. prom-client counters
 * only go up through `inc`, so each scrape starts from zero and adds the current totals.
 */
function totalsCounter<L extends string>(registry: Registry, name: string, help: string, labelNames: readonly L[], rows: () => Iterable<[Record<L, string>, number]>): void {
  new Counter({
    name,
    help,
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      for (const [labels, n] of rows()) if (n > 0) this.inc(labels, n);
    },
  });
}

/** The label of a protocol message: its name when the protocol names it, else `code_0x..`. */
export function messageLabel(server: Server, protocol: string, code: number): string {
  return server.messageName(protocol, code) ?? `code_0x${code.toString(16).padStart(2, '0')}`;
}

/**
 * Registers the metrics of `server` on `registry` (a new one by default) and returns it.
 * Values are read from the server at each scrape (see the module comment).
 */
export function serverMetrics(server: Server, registry: Registry = new Registry()): Registry {
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
  new Gauge({
    name: 'devp2p_inbound_refused',
    help: 'Inbound sockets refused before the handshake, by cause (since start)',
    labelNames: ['cause'],
    registers: [registry],
    collect() {
      for (const [cause, n] of Object.entries(server.stats.inboundRefused)) this.set({ cause }, n);
    },
  });
  const s = server.stats;
  totalsCounter(registry, 'devp2p_connections_total', 'Connection attempts (dials and inbound handshakes) by direction and outcome: success, or why they failed (refused, timeout, handshake, remote:TooManyPeers...)', ['direction', 'outcome'], function* () {
    yield [{ direction: 'outbound', outcome: 'success' }, s.dialsSucceeded];
    yield [{ direction: 'inbound', outcome: 'success' }, s.inboundAccepted];
    for (const [outcome, n] of Object.entries(s.dialFailures)) yield [{ direction: 'outbound', outcome }, n];
    for (const [outcome, n] of Object.entries(s.inboundFailures)) yield [{ direction: 'inbound', outcome }, n];
  });
  totalsCounter(registry, 'devp2p_peers_refused_total', 'Sessions we refused after Hello, by Disconnect reason', ['reason'], function* () {
    for (const [reason, n] of Object.entries(s.refusedAfterHello)) yield [{ reason }, n];
  });
  totalsCounter(registry, 'devp2p_disconnects_total', 'Ended peer sessions by reason and by which side ended them', ['reason', 'side'], function* () {
    for (const [reason, sides] of Object.entries(s.disconnects)) {
      yield [{ reason, side: 'local' }, sides.local];
      yield [{ reason, side: 'remote' }, sides.remote];
    }
  });
  const trafficRows = (field: 'messages' | 'bytes') =>
    function* (): Iterable<[Record<'protocol' | 'message' | 'direction', string>, number]> {
      for (const r of server.traffic.rows()) yield [{ protocol: r.protocol, message: messageLabel(server, r.protocol, r.code), direction: r.direction }, r[field]];
    };
  totalsCounter(registry, 'devp2p_protocol_messages_total', 'Sub-protocol messages by protocol, message name and direction', ['protocol', 'message', 'direction'], trafficRows('messages'));
  totalsCounter(registry, 'devp2p_protocol_bytes_total', 'Sub-protocol message body bytes (after snappy decoding) by protocol, message name and direction', ['protocol', 'message', 'direction'], trafficRows('bytes'));
  return registry;
}

/** Answers one HTTP request; false if the path is not its. */
export type HttpRoute = (req: IncomingMessage, res: ServerResponse, path: string) => boolean;

/** The `GET /metrics` route of `registry`. */
export function metricsRoute(registry: Registry): HttpRoute {
  return (_req, res, path) => {
    if (path !== '/metrics') return false;
    registry.metrics().then(
      (body) => res.writeHead(200, { 'content-type': registry.contentType }).end(body),
      (err: Error) => res.writeHead(500).end(err.message),
    );
    return true;
  };
}

/**
 * Serves GET requests with the first route that takes them (404 otherwise; 405 for other
 * methods) on host:port; resolves with the bound port and a close function.
 */
export async function serveHttp(routes: readonly HttpRoute[], host: string, port: number): Promise<{ port: number; close(): Promise<void> }> {
  const http: HttpServer = createServer((req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    const path = (req.url ?? '/').split('?')[0]!;
    try {
      if (!routes.some((route) => route(req, res, path))) res.writeHead(404).end();
    } catch (err) {
      if (!res.headersSent) res.writeHead(500);
      res.end((err as Error).message);
    }
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(port, host, () => {
      http.off('error', reject);
      resolve();
    });
  });
  return {
    port: (http.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((r) => {
        // A browser keeps its status-page connection alive: do not wait for it to go away.
        http.closeAllConnections();
        http.close(() => r());
      }),
  };
}

/** Serves `GET /metrics` on host:port; resolves with the bound port and a close function. */
export function serveMetrics(registry: Registry, host: string, port: number): Promise<{ port: number; close(): Promise<void> }> {
  return serveHttp([metricsRoute(registry)], host, port);
}
