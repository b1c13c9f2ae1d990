/**
 * Node keys: secp256k1 private keys stored as geth stores them (a file holding 64 hex
 * characters, no 0x prefix, optional trailing newline).
 */
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { generatePrivateKey, isValidPrivateKey, publicKeyOf } from '../crypto/secp256k1.js';
import { keccak256 } from '../crypto/keccak.js';
import { bytesToHex } from '../common/bytes.js';

/** Raised when a nodekey file or value is malformed. */
export class NodeKeyError extends Error {
  constructor(message: string, readonly path?: string) {
    super(path ? `${path}: ${message}` : message);
    this.name = 'NodeKeyError';
  }
}

/** Parses a nodekey in geth's text form (64 hex chars, surrounding whitespace ignored). */
export function parseNodeKey(text: string, path?: string): Uint8Array {
  const t = text.trim();
  if (!/^[0-9a-fA-F]{64}$/.test(t)) throw new NodeKeyError('expected 64 hex characters', path);
  const key = new Uint8Array(Buffer.from(t, 'hex'));
  if (!isValidPrivateKey(key)) throw new NodeKeyError('not a valid secp256k1 private key', path);
  return key;
}

/** Reads a nodekey file. */
export async function loadNodeKey(path: string): Promise<Uint8Array> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new NodeKeyError(`cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, path);
  }
  return parseNodeKey(text, path);
}

/** Writes a nodekey file (mode 0600, 64 hex chars, as geth writes it). */
export async function saveNodeKey(path: string, key: Uint8Array): Promise<void> {
  if (!isValidPrivateKey(key)) throw new NodeKeyError('not a valid secp256k1 private key', path);
  await writeFile(path, bytesToHex(key), { mode: 0o600 });
  // writeFile's mode applies only when it creates the file; a key must not stay world-readable.
  await chmod(path, 0o600);
}

/** A new random node key. */
export function generateNodeKey(): Uint8Array {
  return generatePrivateKey();
}

/** The node ID: keccak256 of the 64-byte public key. Used for Kademlia distance. */
export function nodeIdOf(publicKey: Uint8Array): Uint8Array {
  return keccak256(publicKey);
}

/**
 * The 64-byte public key of a node key. devp2p confusingly calls this the "node ID" in enode
 * URLs and Hello; {@link nodeIdOf} gives the keccak256 hash used for distances.
 */
export function publicKeyOfNodeKey(key: Uint8Array): Uint8Array {
  return publicKeyOf(key);
}
