/** Loads a canonical vector file from ../shared/vectors (beside the project root; never copied in). */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const VECTORS_DIR = fileURLToPath(new URL('../../../shared/vectors/', import.meta.url));

export function loadVectors<T = any>(name: string): T {
  return JSON.parse(readFileSync(VECTORS_DIR + name, 'utf8')) as T;
}
