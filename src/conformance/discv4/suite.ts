/** The discv4 conformance suite (`devp2p-ts test discv4`), in run order. */
import type { Check } from '../check.js';
import { pingChecks } from './checks-ping.js';
import { queryChecks } from './checks-query.js';
import type { Discv4Target } from './target.js';

export function discv4Checks(): Check<Discv4Target>[] {
  return [...pingChecks(), ...queryChecks()];
}
