/** fast-check generators of valid DNS tree entries (the fuzz registry's seeds and the property tests). */
import fc from 'fast-check';
import { publicKeyOf } from '../../src/crypto/index.js';
import { enrToText } from '../../src/enode/enr.js';
import { base32Encode } from '../../src/dnsdisc/base32.js';
import { encodeEntry, encodeRoot, makeLink, MAX_BRANCH_CHILDREN } from '../../src/dnsdisc/entries.js';
import { enrArb, FUZZ_KEYS } from '../fuzz/arbitraries.js';

/** Child hashes of every accepted length (12 to 32 bytes). */
export const hashArb = fc.uint8Array({ minLength: 12, maxLength: 32 }).map(base32Encode);

/** Domain names of 1-4 labels. */
export const domainArb = fc.stringMatching(/^[a-z0-9-]{1,20}(\.[a-z0-9-]{1,20}){0,3}$/);

export const branchTextArb = fc.array(hashArb, { maxLength: MAX_BRANCH_CHILDREN }).map((h) => 'enrtree-branch:' + h.join(','));

export const linkTextArb = fc.tuple(fc.constantFrom(...FUZZ_KEYS), domainArb).map(([k, d]) => encodeEntry(makeLink(publicKeyOf(k), d)));

export const enrTextArb = enrArb.filter((e) => e !== undefined).map((e) => enrToText(e!));

/** Any branch, ENR or link entry text. */
export const entryTextArb = fc.oneof(branchTextArb, linkTextArb, enrTextArb);

/** Root texts with any hashes, seq and (unchecked) signature bytes. */
export const rootTextArb = fc
  .record({ eroot: hashArb, lroot: hashArb, seq: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), signature: fc.uint8Array({ minLength: 65, maxLength: 65 }) })
  .map((r) => encodeRoot(r));
