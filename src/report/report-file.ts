/** Reading nodes files for a report and writing the report file. */
import { readFile, writeFile } from 'node:fs/promises';
import { NodesFileError, parseNodesJson, type NodeSet } from '../sync/crawl/nodes-file.js';
import type { CrawledNode } from '../sync/crawl/crawled-node.js';
import { buildCrawlReport, type CrawlReport, type CrawlReportOptions } from './crawl-report.js';
import { renderCrawlReportHtml } from './crawl-page.js';

/**
 * Loads a nodes file that must exist (a crawl's resume file may be missing; a report's input
 * may not). Throws {@link NodesFileError} ('read', 'parse' or 'shape').
 */
export async function readNodesFile(path: string): Promise<NodeSet> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new NodesFileError(path, 'read', (err as NodeJS.ErrnoException).code ?? (err as Error).message, undefined, { cause: err });
  }
  return parseNodesJson(text, path);
}

/** Builds the report of `nodes` and writes it to `path` as one HTML file; returns the report. */
export async function writeCrawlReport(path: string, nodes: Iterable<CrawledNode>, opts: CrawlReportOptions): Promise<CrawlReport> {
  const report = buildCrawlReport(nodes, opts);
  await writeFile(path, renderCrawlReportHtml(report), 'utf8');
  return report;
}
