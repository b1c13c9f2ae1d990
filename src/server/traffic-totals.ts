/**
 * Sub-protocol traffic since a server started, per protocol, message code and direction: kept by
 * the server itself so that metrics attached at any time report the whole history. Rows are
 * bounded by the registered protocols' message codes (a session only delivers negotiated ones).
 */

/** Messages and body bytes of one protocol message code in one direction. */
export interface TrafficRow {
  protocol: string;
  /** Code relative to the protocol's offset. */
  code: number;
  direction: 'in' | 'out';
  messages: number;
  bytes: number;
}

export class TrafficTotals {
  private readonly byKey = new Map<string, TrafficRow>();

  /** Counts one message of `bytes` body bytes. */
  add(direction: 'in' | 'out', protocol: string, code: number, bytes: number): void {
    const key = `${direction}/${protocol}/${code}`;
    let row = this.byKey.get(key);
    if (row === undefined) this.byKey.set(key, (row = { protocol, code, direction, messages: 0, bytes: 0 }));
    row.messages++;
    row.bytes += bytes;
  }

  /** Every row seen so far (copies). */
  rows(): TrafficRow[] {
    return [...this.byKey.values()].map((r) => ({ ...r }));
  }
}
