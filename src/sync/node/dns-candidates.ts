/**
 * Dial candidates from DNS discovery (EIP-1459 trees), and the merge of several candidate
 * sources into the one stream the server's dialer takes (geth mixes its discovery sources the
 * same way, with enode.FairMix).
 */
import { formatIp } from '../../common/netutil.js';
import type { Enr } from '../../enode/enr.js';
import type { DialCandidate } from '../../server/dial-scheduler.js';

/**
 * The RLPx endpoint of a record: IPv4 `ip` + `tcp`, else IPv6 `ip6` + `tcp6` (or `tcp`, as
 * EIP-778 says). Undefined without a TCP endpoint or with a malformed entry.
 */
export function dialCandidateFromEnr(enr: Enr): DialCandidate | undefined {
  try {
    const ip = enr.ip();
    const tcp = enr.tcp();
    if (ip && tcp) return { publicKey: enr.publicKey, ip: formatIp(ip), tcpPort: tcp, udpPort: enr.udp() ?? tcp };
    const ip6 = enr.ip6();
    const tcp6 = enr.tcp6() ?? tcp;
    if (ip6 && tcp6) return { publicKey: enr.publicKey, ip: formatIp(ip6), tcpPort: tcp6, udpPort: enr.udp6() ?? enr.udp() ?? tcp6 };
  } catch {
    // a malformed entry: not dialable
  }
  return undefined;
}

/** The dialable records of a DNS node iterator, as candidates. */
export async function* dnsCandidates(records: AsyncIterable<Enr>): AsyncGenerator<DialCandidate> {
  for await (const enr of records) {
    const c = dialCandidateFromEnr(enr);
    if (c) yield c;
  }
}

/**
 * One stream of candidates from several sources: each source has one pull outstanding, and
 * whichever answers first is passed on (a slow source, such as a rate-limited DNS tree, never
 * holds back a fast one). Ends when every source has ended; the sources end on their own
 * signals. Closing the stream closes every source.
 */
export async function* mergeCandidates(sources: readonly AsyncIterable<DialCandidate>[]): AsyncGenerator<DialCandidate> {
  const its = sources.map((s) => s[Symbol.asyncIterator]());
  const pending = new Map<number, Promise<{ i: number; r: IteratorResult<DialCandidate> }>>();
  const pull = (i: number): void => void pending.set(i, its[i]!.next().then((r) => ({ i, r })));
  its.forEach((_, i) => pull(i));
  try {
    while (pending.size > 0) {
      const { i, r } = await Promise.race(pending.values());
      pending.delete(i);
      if (r.done) continue;
      pull(i);
      yield r.value;
    }
  } finally {
    await Promise.all(its.map((it) => it.return?.()));
  }
}
