/**
 * Capability negotiation: which sub-protocols two peers share and where their message IDs sit.
 * As geth's matchProtocols: for each name, the highest version both sides support; shared
 * capabilities ordered by name; offsets assigned consecutively from 0x10.
 */
import { BASE_PROTOCOL_LENGTH, type Capability } from './hello.js';

/** A capability we support: its name, version and how many message IDs it uses. */
export interface CapabilityDef extends Capability {
  /** Number of message codes (e.g. 17 for eth/68). */
  length: number;
}

/** A negotiated capability with its message-ID offset on this connection. */
export interface SharedCapability extends CapabilityDef {
  offset: number;
}

/** Matches our capabilities against the remote's Hello list. */
export function matchCapabilities(local: readonly CapabilityDef[], remote: readonly Capability[]): SharedCapability[] {
  const best = new Map<string, CapabilityDef>();
  for (const r of remote) {
    const mine = local.find((l) => l.name === r.name && l.version === r.version);
    if (!mine) continue;
    const prev = best.get(mine.name);
    if (!prev || prev.version < mine.version) best.set(mine.name, mine);
  }
  const names = [...best.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  let offset = BASE_PROTOCOL_LENGTH;
  return names.map((n) => {
    const c = best.get(n)!;
    const shared = { name: c.name, version: c.version, length: c.length, offset };
    offset += c.length;
    return shared;
  });
}
