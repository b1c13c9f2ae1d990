/**
 * The eth conformance suite: every check, for every eth version this tester speaks (a version
 * the node does not offer is reported as skipped), then the RLPx handshake checks.
 */
import { ETH_VERSIONS, type EthVersion } from '../../eth/protocol.js';
import type { Check } from '../check.js';
import { rlpxHandshakeChecks } from '../rlpx/checks.js';
import { accessListChecks } from './checks-access-lists.js';
import { bodyChecks } from './checks-bodies.js';
import { headerChecks } from './checks-headers.js';
import { requestIdChecks } from './checks-request-id.js';
import { blockRangeChecks, pingCheck, sizeChecks } from './checks-session.js';
import { statusChecks } from './checks-status.js';
import type { EthTarget } from './target.js';

/** The checks of one eth version. */
export function ethVersionChecks(v: EthVersion): Check<EthTarget>[] {
  return [...statusChecks(v), ...headerChecks(v), ...requestIdChecks(v), ...bodyChecks(v), ...accessListChecks(v), ...blockRangeChecks(v), ...sizeChecks(v)];
}

/** The whole eth suite (`devp2p-ts test eth`), in run order. */
export function ethChecks(versions: readonly EthVersion[] = ETH_VERSIONS): Check<EthTarget>[] {
  return [pingCheck(), ...rlpxHandshakeChecks(), ...versions.flatMap(ethVersionChecks)];
}
