/**
 * Raised when bytes from the network (or a file) do not decode as the named structure.
 * `what` names the structure (e.g. "Hello", "eth/69 Status") and `field` the part that failed,
 * so a caller can log or penalise precisely.
 */
export class DecodeError extends Error {
  constructor(
    readonly what: string,
    readonly field: string,
    /** What was wrong, without the structure and field (for errors that wrap this one). */
    readonly detail: string,
  ) {
    super(`${what}: ${field}: ${detail}`);
    this.name = 'DecodeError';
  }
}
