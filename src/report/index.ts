/** Crawl reports: the census of a crawl (and what changed since an older one) as a self-contained HTML page. */
export * from './crawl-report.js';
export * from './crawl-diff.js';
export * from './crawl-page.js';
export * from './fork-compat.js';
export * from './report-file.js';
