/**
 * Headless Chromium for the page tests: Debian's `chromium` (installed by .ci/run; installed here
 * with apt-get when missing and we are root), driven by playwright-core, which never downloads a
 * browser of its own. A page is watched for console errors, uncaught exceptions and every request
 * it makes; its charts are read back from the DOM (what web-page.ts's script recorded on each
 * figure, the numbers table, and the painted pixels of each canvas).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';
/** No GPU, no QUIC, none of the browser's own background traffic (updates, sync, first-run pages). */
export const CHROMIUM_ARGS = ['--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
/** Where screenshots go (gitignored). */
export const ARTIFACTS_DIR = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
/** Bound on installing the browser when it is missing. */
const INSTALL_TIMEOUT_MS = 15 * 60_000;

/** Debian's Chromium, installed if missing and possible; or why it cannot be had (the tests then skip, saying so). */
export function ensureChromium(): { path: string; skip?: undefined } | { skip: string } {
  if (existsSync(CHROMIUM_PATH)) return { path: CHROMIUM_PATH };
  if (process.platform !== 'linux' || !existsSync('/usr/bin/apt-get')) return { skip: `${CHROMIUM_PATH} is missing and there is no apt-get to install Debian's chromium` };
  if (process.getuid?.() !== 0) return { skip: `${CHROMIUM_PATH} is missing and installing it (apt-get install chromium) needs root` };
  const r = spawnSync('sh', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium'], { timeout: INSTALL_TIMEOUT_MS, stdio: 'ignore' });
  return existsSync(CHROMIUM_PATH) ? { path: CHROMIUM_PATH } : { skip: `apt-get install chromium failed (exit ${r.status ?? r.signal})` };
}

export function launchChromium(path: string): Promise<Browser> {
  return chromium.launch({ executablePath: path, args: CHROMIUM_ARGS, chromiumSandbox: false, timeout: 30_000 });
}

/** What a page did besides rendering. */
export interface PageWatch {
  /** Console messages of type error, and uncaught exceptions. */
  errors: string[];
  /** Every URL it requested (the page itself included). */
  requests: string[];
}

/** Opens `url` in a fresh page of `browser` and waits until it has loaded. */
export async function openPage(browser: Browser, url: string, viewport = { width: 1280, height: 900 }): Promise<{ page: Page; watch: PageWatch }> {
  const page = await browser.newPage({ viewport, deviceScaleFactor: 1 });
  const watch: PageWatch = { errors: [], requests: [] };
  page.on('console', (m) => {
    if (m.type() === 'error') watch.errors.push(m.text());
  });
  page.on('pageerror', (e) => watch.errors.push(`uncaught: ${e.message}`));
  page.on('request', (r) => watch.requests.push(r.url()));
  await page.goto(url, { waitUntil: 'load' });
  return { page, watch };
}

/** One chart as the page shows it. */
export interface RenderedChart {
  id: string;
  /** 'true' once drawn on a canvas with a size, 'empty' for a chart with nothing to show. */
  rendered: string | null;
  /** Elements (bars, arcs) Chart.js laid out. */
  drawn: number;
  labels: string[];
  /** The values drawn, per series. */
  values: number[][];
  /** The values of the figure's numbers table, per series (column). */
  table: number[][];
  /** Canvas pixels that are not transparent. */
  painted: number;
}

/** Every chart of the page, read from the DOM. */
export function renderedCharts(page: Page): Promise<RenderedChart[]> {
  return page.$$eval('figure[data-chart]', (figures) =>
    figures.map((f) => {
      const spec = JSON.parse(f.getAttribute('data-spec') ?? '{}') as { labels: string[] };
      const rows = [...f.querySelectorAll('table tr')].slice(1).map((tr) => [...tr.querySelectorAll('td.n')].map((td) => Number(td.textContent)));
      const columns = rows.length === 0 ? [] : rows[0]!.map((_, c) => rows.map((r) => r[c]!));
      const canvas = f.querySelector('canvas');
      let painted = 0;
      if (canvas && canvas.width > 0 && canvas.height > 0) {
        const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
        for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) painted++;
      }
      return {
        id: f.getAttribute('data-chart')!,
        rendered: f.getAttribute('data-rendered'),
        drawn: Number(f.getAttribute('data-drawn') ?? 0),
        labels: spec.labels,
        values: JSON.parse(f.getAttribute('data-values') ?? '[]') as number[][],
        table: columns,
        painted,
      };
    }),
  );
}

/** Saves a screenshot of `page` under test-artifacts/ (and returns its path). */
export async function screenshot(page: Page, name: string, opts: { fullPage?: boolean; clipHeight?: number } = {}): Promise<string> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const path = join(ARTIFACTS_DIR, name);
  const width = page.viewportSize()!.width;
  await page.screenshot({ path, ...(opts.clipHeight ? { clip: { x: 0, y: 0, width, height: opts.clipHeight } } : { fullPage: opts.fullPage ?? true }) });
  return path;
}
