/**
 * A node's HTTP status listener (`devp2p-ts node --http IP:PORT`): the status page at `/`, the
 * same data as JSON at `/api/status`, Prometheus metrics at `/metrics`, and what the page itself
 * loads (Chart.js, its refreshed main part), all on one listener and one origin.
 */
import type { Registry } from 'prom-client';
import { metricsRoute, serveHttp, type HttpRoute } from '../../server/metrics.js';
import { nodeMetrics } from './node-metrics.js';
import { nodeStatus, type NodeStatusSource } from './node-status.js';
import { CHART_LIBRARY_PATH, renderStatusMain, renderStatusPage, STATUS_VIEW_PATH } from './status-page.js';
import { chartLibrary } from './web-page.js';

/** How often the status page refreshes by default. */
export const STATUS_REFRESH_MS = 5_000;

export interface StatusServerOptions {
  host: string;
  port: number;
  /** The metrics to serve at `/metrics`; default {@link nodeMetrics} of the node. */
  registry?: Registry;
  /** How often the page refreshes itself (default {@link STATUS_REFRESH_MS}). */
  refreshMs?: number;
}

const NO_STORE = { 'cache-control': 'no-store' };

/** The routes of the status listener (usable in another HTTP server too). */
export function statusRoutes(node: NodeStatusSource, registry: Registry, refreshMs = STATUS_REFRESH_MS): HttpRoute[] {
  const json = (body: unknown) => JSON.stringify(body, null, 1);
  return [
    (_req, res, path) => {
      if (path !== '/' && path !== '/index.html') return false;
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', ...NO_STORE }).end(renderStatusPage(nodeStatus(node), refreshMs));
      return true;
    },
    (_req, res, path) => {
      if (path !== '/api/status') return false;
      res.writeHead(200, { 'content-type': 'application/json', ...NO_STORE }).end(json(nodeStatus(node)));
      return true;
    },
    (_req, res, path) => {
      if (path !== STATUS_VIEW_PATH) return false;
      const s = nodeStatus(node);
      res.writeHead(200, { 'content-type': 'application/json', ...NO_STORE }).end(JSON.stringify({ at: s.at, html: renderStatusMain(s) }));
      return true;
    },
    (_req, res, path) => {
      if (path !== CHART_LIBRARY_PATH) return false;
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'max-age=3600' }).end(chartLibrary().source);
      return true;
    },
    metricsRoute(registry),
  ];
}

/** Serves the status page, `/api/status` and `/metrics` of `node` on host:port. */
export function serveNodeStatus(node: NodeStatusSource, opts: StatusServerOptions): Promise<{ port: number; close(): Promise<void> }> {
  return serveHttp(statusRoutes(node, opts.registry ?? nodeMetrics(node), opts.refreshMs), opts.host, opts.port);
}
