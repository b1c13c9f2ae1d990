/** An in-memory TXT resolver (the client's injectable resolver), counting its lookups. */
import { DnsLookupError } from '../../src/dnsdisc/errors.js';
import type { TxtResolver } from '../../src/dnsdisc/resolver.js';

export class MapResolver implements TxtResolver {
  lookups = 0;
  readonly names: string[] = [];

  constructor(public records: ReadonlyMap<string, string | readonly string[]>) {}

  async resolveTxt(name: string): Promise<string[]> {
    this.lookups++;
    this.names.push(name);
    const v = this.records.get(name);
    if (v === undefined) throw new DnsLookupError(name, 'ENOTFOUND');
    return typeof v === 'string' ? [v] : [...v];
  }
}
