/** Byte comparison for secrets and MACs. */

/**
 * True if `a` and `b` hold the same bytes. For equal lengths the time does not depend on where
 * they differ (MAC checks); a length difference returns at once (lengths are public).
 */
export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}
