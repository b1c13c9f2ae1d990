/**
 * Where TXT records come from. The client takes any {@link TxtResolver}; the default asks DNS
 * servers through node:dns (c-ares): the system's, or the ones given (`127.0.0.1:5353`...).
 */
import { Resolver } from 'node:dns/promises';
import { DnsLookupError } from './errors.js';
import { raceAbort } from './wait.js';

/** A source of TXT records. */
export interface TxtResolver {
  /**
   * The TXT records at `name`, each record's strings joined into one text (as Go's LookupTXT
   * joins them). Rejects with {@link DnsLookupError} on failure, or the signal's reason when it
   * aborts.
   */
  resolveTxt(name: string, opts: { signal: AbortSignal }): Promise<string[]>;
  /** Releases what the resolver holds (pending queries are cancelled). */
  close?(): void;
}

export interface SystemTxtResolverOptions {
  /** DNS servers as `IP` or `IP:PORT` (`[IPv6]:PORT`); default the system's (/etc/resolv.conf). */
  servers?: readonly string[];
  /** c-ares' first-try timeout in ms (it doubles per try); the client applies its own deadline too. */
  attemptTimeoutMs?: number;
  /** c-ares tries per server. */
  tries?: number;
}

/** c-ares defaults kept short: the client's per-lookup deadline is what bounds a lookup. */
const DEFAULT_ATTEMPT_TIMEOUT_MS = 2_000;
const DEFAULT_TRIES = 2;

/** TXT lookups through node:dns. */
export class SystemTxtResolver implements TxtResolver {
  private readonly resolver: Resolver;

  constructor(opts: SystemTxtResolverOptions = {}) {
    this.resolver = new Resolver({ timeout: opts.attemptTimeoutMs ?? DEFAULT_ATTEMPT_TIMEOUT_MS, tries: opts.tries ?? DEFAULT_TRIES });
    if (opts.servers?.length) this.resolver.setServers([...opts.servers]);
  }

  async resolveTxt(name: string, opts: { signal: AbortSignal }): Promise<string[]> {
    // c-ares cannot cancel one query (cancel() ends them all): an aborted lookup is abandoned and
    // ends on c-ares' own timeout.
    const query = this.resolver.resolveTxt(name).then(
      (records) => records.map((chunks) => chunks.join('')),
      (err: NodeJS.ErrnoException) => {
        throw new DnsLookupError(name, err.code ?? err.message, { cause: err });
      },
    );
    query.catch(() => undefined);
    return raceAbort(query, opts.signal);
  }

  close(): void {
    this.resolver.cancel();
  }
}
