/** devp2p Disconnect reasons (devp2p rlpx.md; geth p2p/peer_error.go). */
export enum DisconnectReason {
  Requested = 0x00,
  NetworkError = 0x01,
  ProtocolBreach = 0x02,
  UselessPeer = 0x03,
  TooManyPeers = 0x04,
  AlreadyConnected = 0x05,
  IncompatibleVersion = 0x06,
  InvalidIdentity = 0x07,
  ClientQuitting = 0x08,
  UnexpectedIdentity = 0x09,
  Self = 0x0a,
  ReadTimeout = 0x0b,
  SubprotocolError = 0x10,
}

const NAMES: Record<number, string> = {
  0x00: 'disconnect requested',
  0x01: 'network error',
  0x02: 'breach of protocol',
  0x03: 'useless peer',
  0x04: 'too many peers',
  0x05: 'already connected',
  0x06: 'incompatible p2p protocol version',
  0x07: 'invalid node identity',
  0x08: 'client quitting',
  0x09: 'unexpected identity',
  0x0a: 'connected to self',
  0x0b: 'read timeout',
  0x10: 'subprotocol error',
};

/** Human-readable name of a reason; unknown codes are shown as hex. */
export function disconnectReasonName(r: number): string {
  return NAMES[r] ?? `unknown reason 0x${r.toString(16)}`;
}

/** True if `r` is one of the defined reason codes. */
export function isDisconnectReason(r: number): r is DisconnectReason {
  return NAMES[r] !== undefined;
}
