/** Typed errors of the crypto layer; both backends raise exactly these, with the same messages. */

/** Raised when a key, point or signature is not valid on secp256k1. */
export class InvalidKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidKeyError';
  }
}

/** Why a snappy block was refused. */
export type SnappyFailure = 'length-header' | 'too-large' | 'corrupt';

/** Raised when a snappy block cannot be decoded, or would decode to more than the caller's limit. */
export class SnappyError extends Error {
  constructor(
    readonly reason: SnappyFailure,
    message: string,
  ) {
    super(`snappy: ${message}`);
    this.name = 'SnappyError';
  }
}

/** Raised by {@link useCrypto} when a backend cannot be selected. */
export class CryptoSelectionError extends Error {
  constructor(
    /** `unavailable`: an accelerator did not load; `in-use`: running state exists on another backend; `invalid`: not pure, fast or auto. */
    readonly reason: 'unavailable' | 'in-use' | 'invalid',
    message: string,
  ) {
    super(message);
    this.name = 'CryptoSelectionError';
  }
}
