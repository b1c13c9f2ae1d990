/**
 * What a crawl knows about one node, and the rules that update it. Times are ms since the
 * epoch. "Response" means an RLPx Hello (geth's `devp2p discv4 crawl` counts ENR responses; ours
 * goes one step further): `score` grows by one per check that got a Hello and halves on a
 * failed one, as geth's does, but nodes are never dropped from the set.
 */
import type { DiscNode } from '../../discv4/node.js';
import { withEnr } from '../../discv4/node.js';
import type { Enr } from '../../enode/enr.js';
import type { CheckError, HelloInfo, NodeCheckResult, RemoteStatus } from './node-check.js';

/** One node of a crawl. */
export interface CrawledNode {
  /** Identity, endpoint and the newest ENR we hold (`node.enr`). */
  node: DiscNode;
  /** +1 per check that got a Hello, halved per failed check (geth's liveness score). */
  score: number;
  /** When discovery (or the nodes file) first reported the node. */
  firstSeen: number;
  /** When discovery last reported the node, or it last answered us. */
  lastSeen: number;
  /** Start of the last RLPx check. */
  lastCheck?: number;
  /** Start of the first check that got a Hello. */
  firstResponse?: number;
  /** Start of the last check that got a Hello (equals `lastCheck` when the last check did). */
  lastResponse?: number;
  /** The node's last Hello. */
  hello?: HelloInfo;
  /** The node's last eth Status and the start of the check that got it. */
  status?: RemoteStatus & { at: number };
  /** Why the last check failed; absent when it succeeded. */
  lastError?: CheckError;
}

/** A new record for a node first seen at `now`. */
export function newCrawledNode(node: DiscNode, now: number): CrawledNode {
  return { node, score: 0, firstSeen: now, lastSeen: now };
}

/**
 * Discovery reported `n` again: bump lastSeen, take its endpoint (it may have moved) and keep
 * the newest ENR of the two.
 */
export function markSeen(rec: CrawledNode, n: DiscNode, now: number): void {
  rec.lastSeen = Math.max(rec.lastSeen, now);
  const enr = newerEnr(rec.node.enr, n.enr);
  const { enr: _dropped, ...endpoint } = n;
  rec.node = enr ? withEnr(endpoint, enr) : endpoint;
}

/** The node answered an ENRRequest with `enr`: keep it if it is not older than ours. */
export function applyEnr(rec: CrawledNode, enr: Enr, now: number): void {
  const newest = newerEnr(rec.node.enr, enr);
  if (newest === enr) rec.node = withEnr(rec.node, enr);
  rec.lastSeen = Math.max(rec.lastSeen, now);
}

/** Records a finished check that started at `at`. */
export function applyCheck(rec: CrawledNode, result: NodeCheckResult, at: number): void {
  rec.lastCheck = at;
  if (result.hello) {
    rec.hello = result.hello;
    rec.firstResponse ??= at;
    rec.lastResponse = at;
    rec.lastSeen = Math.max(rec.lastSeen, at);
    rec.score += 1;
  } else {
    rec.score = Math.floor(rec.score / 2);
  }
  if (result.status) rec.status = { ...result.status, at };
  if (result.error) rec.lastError = result.error;
  else delete rec.lastError;
}

/** True if the node's last check got its Hello (RLPx worked). */
export function isReachable(rec: CrawledNode): boolean {
  return rec.lastCheck !== undefined && rec.lastResponse === rec.lastCheck;
}

/** True if the node's last check got its eth Status. */
export function speaksEth(rec: CrawledNode): boolean {
  return isReachable(rec) && rec.status !== undefined && rec.status.at === rec.lastCheck;
}

function newerEnr(a: Enr | undefined, b: Enr | undefined): Enr | undefined {
  if (!a) return b;
  if (!b) return a;
  return b.seq >= a.seq ? b : a;
}
