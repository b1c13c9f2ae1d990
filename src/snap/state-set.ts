/**
 * Several states served as one {@link StateReader}: a node keeps its recent states (geth keeps
 * 128), and a request names the root it wants. Each lookup goes to the first reader that has it.
 */
import type { StateReader, StateView } from './state-reader.js';

/** A reader over `readers`, consulted in order. */
export function stateSet(readers: readonly StateReader[]): StateReader {
  return {
    state(root: Uint8Array): StateView | undefined {
      for (const r of readers) {
        const s = r.state(root);
        if (s !== undefined) return s;
      }
      return undefined;
    },
    code(hash: Uint8Array): Uint8Array | undefined {
      for (const r of readers) {
        const c = r.code(hash);
        if (c !== undefined) return c;
      }
      return undefined;
    },
    accessList(blockHash: Uint8Array): Uint8Array | undefined {
      for (const r of readers) {
        const a = r.accessList?.(blockHash);
        if (a !== undefined) return a;
      }
      return undefined;
    },
  };
}
