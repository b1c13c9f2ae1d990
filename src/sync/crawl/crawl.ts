/** The crawler's public surface (re-exported by the package as `crawl`). */
export * from './crawler.js';
export * from './node-check.js';
export * from './crawled-node.js';
export * from './nodes-file.js';
export * from './crawl-summary.js';
export * from './client-id.js';
export * from './discovery-walk.js';
export * from './enr-crawl.js';
