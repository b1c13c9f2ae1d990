/**
 * Password-based key derivation for Web3 Secret Storage (v3) keystores: scrypt and
 * PBKDF2-HMAC-SHA256. Both backends use @noble/hashes here: a keystore is opened once per
 * command, so the speed of node:crypto's versions buys nothing that matters, and one
 * implementation keeps the results identical everywhere. The caller bounds the parameters.
 */
import { pbkdf2 } from '@noble/hashes/pbkdf2.js';
import { scrypt as nobleScrypt } from '@noble/hashes/scrypt.js';
import { sha256 } from '@noble/hashes/sha2.js';

/** scrypt(password, salt) with cost `n`, block size `r`, parallelism `p`, `dkLen` bytes out. */
export function scrypt(password: string | Uint8Array, salt: Uint8Array, opts: { n: number; r: number; p: number; dkLen: number; maxmem?: number }): Uint8Array {
  return nobleScrypt(password, salt, { N: opts.n, r: opts.r, p: opts.p, dkLen: opts.dkLen, ...(opts.maxmem === undefined ? {} : { maxmem: opts.maxmem }) });
}

/** PBKDF2 with HMAC-SHA-256: `c` rounds, `dkLen` bytes out. */
export function pbkdf2Sha256(password: string | Uint8Array, salt: Uint8Array, c: number, dkLen: number): Uint8Array {
  return pbkdf2(sha256, password, salt, { c, dkLen });
}
