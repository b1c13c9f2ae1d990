/**
 * Opening sessions: dialing a peer and accepting a socket. Both resolve only once the ECIES
 * handshake and the Hello exchange are complete, and reject with a typed error otherwise
 * (TimeoutError, HandshakeError, FrameError, DisconnectError); the socket is closed then.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { Session, type SessionConfig } from './session.js';
import { TimeoutError } from './errors.js';
import { abortError, abortable, onAbort } from '../common/abortable.js';

/** geth's defaultDialTimeout: TCP connect must succeed within this. */
export const DIAL_TIMEOUT_MS = 15_000;

/** Where to dial: the remote's 64-byte public key and its TCP endpoint. */
export interface DialTarget {
  publicKey: Uint8Array;
  host: string;
  port: number;
}

export interface ConnectOptions {
  signal?: AbortSignal;
  dialTimeoutMs?: number;
  /** Local address to dial from (multi-homed hosts, tests on 127.0.0.x). */
  localAddress?: string;
}

/** Raised when the TCP connection itself fails (refused, unreachable, reset). */
export class DialError extends Error {
  constructor(
    readonly target: string,
    readonly code: string | undefined,
    message: string,
  ) {
    super(`dial ${target}: ${message}`);
    this.name = 'DialError';
  }
}

/** Opens a TCP connection with a deadline and an abort signal. */
export function connectTcp(host: string, port: number, opts: ConnectOptions = {}): Promise<Socket> {
  const timeoutMs = opts.dialTimeoutMs ?? DIAL_TIMEOUT_MS;
  const target = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  return new Promise((resolve, reject) => {
    if (opts.signal?.aborted) return reject(abortError(opts.signal));
    const socket = netConnect({ host, port, ...(opts.localAddress ? { localAddress: opts.localAddress } : {}) });
    const done = (err?: Error) => {
      clearTimeout(timer);
      socket.off('connect', onConnect);
      socket.off('error', onError);
      opts.signal?.removeEventListener('abort', onAbort);
      if (err) {
        socket.destroy();
        reject(err);
      } else resolve(socket);
    };
    const onConnect = () => done();
    const onError = (err: NodeJS.ErrnoException) => done(new DialError(target, err.code, err.code ?? err.message));
    const onAbort = () => done(abortError(opts.signal!));
    const timer = setTimeout(() => done(new TimeoutError('dial', timeoutMs)), timeoutMs);
    socket.once('connect', onConnect);
    socket.once('error', onError);
    opts.signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Waits for a new session's `ready`, tearing it down if the signal aborts first. */
async function whenReady(session: Session, signal?: AbortSignal): Promise<Session> {
  if (!signal) {
    await session.ready;
    return session;
  }
  // An abort rejects at once with the AbortError and tears the half-made session down.
  const detach = onAbort(signal, (err) => void session.disconnect(undefined, err));
  try {
    await abortable(session.ready, signal);
    return session;
  } finally {
    detach();
  }
}

/** Dials a peer and runs the handshake and Hello exchange. */
export async function dial(target: DialTarget, config: SessionConfig, opts: ConnectOptions = {}): Promise<Session> {
  const socket = await connectTcp(target.host, target.port, opts);
  return whenReady(new Session(socket, config, 'outbound', target.publicKey), opts.signal);
}

/** Runs the recipient side of the handshake on an accepted socket. */
export async function accept(socket: Socket, config: SessionConfig, opts: { signal?: AbortSignal } = {}): Promise<Session> {
  return whenReady(new Session(socket, config, 'inbound'), opts.signal);
}
