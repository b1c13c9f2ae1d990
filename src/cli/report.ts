/**
 * `devp2p-ts report`: the HTML crawl report of a nodes file (src/report/), optionally compared
 * with an older nodes file of the same network.
 */
import { likelyNetwork } from '../report/crawl-report.js';
import { readNodesFile, writeCrawlReport } from '../report/report-file.js';
import { defineCommand, parseCommand } from './command.js';
import type { Command } from './command-tree.js';
import { NETWORK_FLAGS, resolveNetwork } from './common-options.js';
import { jsonLine } from './output.js';

const REPORT = defineCommand({
  name: 'report',
  args: '<nodes.json>',
  argsName: 'a nodes file (written by crawl --nodes)',
  positionals: [1, 1],
  summary: 'write the HTML report of a crawl\'s nodes file: clients, eth versions, networks and fork IDs, reachability, changes',
  description:
    'One self-contained file (charts inlined, nothing loaded when opened). Fork IDs are classified against the network\'s (compatible, stale, future, incompatible, per EIP-2124) at the time of the crawl.',
  flags: {
    out: { type: 'string', value: 'FILE', help: 'where to write the report', default: 'crawl.html' },
    compare: { type: 'string', value: 'FILE', help: 'an older nodes file of the same network: the report shows what changed since' },
    ...NETWORK_FLAGS,
    network: { ...NETWORK_FLAGS.network, defaultText: 'the known network most of the nodes are on, else mainnet' },
    title: { type: 'string', value: 'TEXT', help: 'the report\'s title', defaultText: '"NETWORK crawl"' },
    json: { type: 'boolean', help: 'print one JSON object: the file written and the totals (errors too)' },
  },
  examples: ['devp2p-ts report sepolia-nodes.json --out sepolia.html --compare sepolia-nodes-last-week.json'],
});

/** Entry point for `devp2p-ts report ...`. */
export async function reportCommand(args: string[], out: (text: string) => void = (t) => process.stdout.write(t)): Promise<void> {
  const { values, positionals } = parseCommand(REPORT, args);
  const nodes = await readNodesFile(positionals[0]!);
  const previous = values.compare ? await readNodesFile(values.compare) : undefined;
  const network = values.network || values.genesis ? await resolveNetwork(values) : likelyNetwork(nodes.values())!;
  const report = await writeCrawlReport(values.out, nodes.values(), { network, ...(previous ? { previous: previous.values() } : {}), ...(values.title ? { title: values.title } : {}) });
  if (values.json) out(jsonLine({ file: values.out, network: network.name, ...report.totals, ...(report.diff ? { changes: report.diff.nodes } : {}) }));
  else out(`report: ${values.out} (${report.totals.found} nodes, ${report.totals.reachable} reachable, ${report.totals.eth} eth${report.diff ? `; ${report.diff.nodes.added} new, ${report.diff.nodes.removed} gone since ${values.compare}` : ''})\n`);
}

export const REPORT_COMMAND: Command = { spec: REPORT, run: (a) => reportCommand(a) };
