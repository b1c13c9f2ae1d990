/** Expectations about the session as a whole: the node ends it, or keeps it. */
import { CheckFailure, type CheckContext } from '../check.js';
import { describeClose, type EthConn } from './conn.js';

/**
 * Fails unless the node ends the session (Disconnect or closing the socket) within the read
 * timeout after `what`. Which way it ended is recorded as a note: the spec asks for a
 * disconnect but not for a reason, and clients differ (geth 0x10 subprotocol error, Erigon
 * 0x03 useless peer for Status mismatches).
 */
export async function expectDisconnect(conn: EthConn, t: CheckContext, what: string): Promise<void> {
  const info = await conn.waitClose();
  if (!info) throw new CheckFailure(`node kept the session open ${conn.timeoutMs} ms after ${what}`);
  if (!info.remote) throw new CheckFailure(`the tester ended the session before the node did: ${describeClose(info)}`);
  t.note(describeClose(info));
}
