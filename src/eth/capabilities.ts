/**
 * The eth capability as sessions advertise it in Hello: one {@link CapabilityDef} per version,
 * with the message-ID space each reserves (geth `protocolLengths`). The version a peer speaks
 * is the one RLPx negotiated (the highest both offered), read from `session.capabilities`.
 */
import type { CapabilityDef, SharedCapability } from '../rlpx/capabilities.js';
import { ETH_PROTOCOL_LENGTHS, ETH_PROTOCOL_NAME, ETH_VERSIONS, isEthVersion, type EthVersion } from './protocol.js';

/** eth/68: 17 message codes. */
export const ETH68_CAPABILITY: Readonly<CapabilityDef> = Object.freeze({ name: ETH_PROTOCOL_NAME, version: 68, length: ETH_PROTOCOL_LENGTHS[68] });
/** eth/69 (EIP-7642): 18 message codes. */
export const ETH69_CAPABILITY: Readonly<CapabilityDef> = Object.freeze({ name: ETH_PROTOCOL_NAME, version: 69, length: ETH_PROTOCOL_LENGTHS[69] });
/** eth/70 (EIP-7975): 18 message codes. */
export const ETH70_CAPABILITY: Readonly<CapabilityDef> = Object.freeze({ name: ETH_PROTOCOL_NAME, version: 70, length: ETH_PROTOCOL_LENGTHS[70] });

/** The capability definition of one eth version. */
export function ethCapability(version: EthVersion): CapabilityDef {
  return { name: ETH_PROTOCOL_NAME, version, length: ETH_PROTOCOL_LENGTHS[version] };
}

/** Capability definitions for `versions` (default: every version this stack speaks), for `SessionConfig.capabilities`. */
export function ethCapabilities(versions: readonly EthVersion[] = ETH_VERSIONS): CapabilityDef[] {
  return versions.map(ethCapability);
}

/** The negotiated eth capability of a session, or undefined if eth was not negotiated. */
export function negotiatedEth(session: { capabilities: readonly SharedCapability[] }): SharedCapability | undefined {
  return session.capabilities.find((c) => c.name === ETH_PROTOCOL_NAME);
}

/** The negotiated eth version of a session, or undefined if none (or one this stack does not speak). */
export function negotiatedEthVersion(session: { capabilities: readonly SharedCapability[] }): EthVersion | undefined {
  const cap = negotiatedEth(session);
  return cap !== undefined && isEthVersion(cap.version) ? cap.version : undefined;
}
