/**
 * Loads a canonical vector file from test/vectors/ (kept in the repository, so a fresh clone with
 * nothing beside it passes; each file's `source` field names the EIP or spec section it is from).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const VECTORS_DIR = fileURLToPath(new URL('../vectors/', import.meta.url));

export function loadVectors<T = any>(name: string): T {
  return JSON.parse(readFileSync(VECTORS_DIR + name, 'utf8')) as T;
}
