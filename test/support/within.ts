/** Test helper: `p`, or a rejection naming `what` if it has not settled within `ms`. The timer is cleared either way. */
export function within<T>(ms: number, p: Promise<T>, what: string): Promise<T> {
  let t: NodeJS.Timeout;
  return Promise.race([p, new Promise<never>((_, rej) => (t = setTimeout(() => rej(new Error(`${what}: timeout`)), ms)))]).finally(() => clearTimeout(t));
}
