/**
 * The checks a message from an eth peer passes before it is decoded, in geth's order
 * (`eth/protocols/eth/handler.go` handleMessage): its size, its code for the version, no second
 * Status, and no more transactions than geth accepts in one message. Each failure is a
 * SubprotocolError in geth; a body that then does not decode is a ProtocolBreach.
 */
import { MAX_TRANSACTIONS_PER_MESSAGE } from '../chain/transaction.js';
import { EthProtocolError } from './errors.js';
import { countTransactions } from './messages/transactions.js';
import { EthMessageCode, MAX_MESSAGE_SIZE, messageNameForCode, type EthVersion } from './protocol.js';

/** The rule message `code` (relative to the eth offset) with body `data` breaks, or undefined. */
export function inboundViolation(version: EthVersion, code: number, data: Uint8Array): EthProtocolError | undefined {
  if (data.length > MAX_MESSAGE_SIZE) return new EthProtocolError('too-large', `message 0x${code.toString(16)} of ${data.length} bytes exceeds ${MAX_MESSAGE_SIZE}`);
  if (messageNameForCode(version, code) === undefined) return new EthProtocolError('unknown-code', `eth/${version} has no message 0x${code.toString(16)}`);
  // geth has no handler for Status after the handshake: an invalid code, not decoded.
  if (code === EthMessageCode.Status) return new EthProtocolError('unexpected-status', 'Status after the handshake');
  // geth decodes them, then refuses "too many transactions" as a subprotocol error.
  if (code === EthMessageCode.Transactions && (countTransactions(data) ?? 0) > MAX_TRANSACTIONS_PER_MESSAGE) {
    return new EthProtocolError('too-large', `more than ${MAX_TRANSACTIONS_PER_MESSAGE} transactions in one message`);
  }
  return undefined;
}
