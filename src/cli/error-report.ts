/**
 * How a failed command reports itself: one line on stderr (`error: ...`), or under --json one
 * object `{"error":{"code","message"}}` on stdout; exit code 2 for usage errors, 1 otherwise.
 * Errors are classified by their `name`, so this module loads no library code.
 */
import { jsonLine, ReportedFailure } from './output.js';

/** Exit codes, the same for every command (0 is success). */
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/**
 * The `code` of a JSON error, what a script can branch on (README "Command line" lists them).
 * `usage`: the command line is wrong. `dial`: the TCP connection failed. `timeout`: a deadline
 * passed. `disconnect`: the session ended with a Disconnect reason. `handshake`: the RLPx
 * handshake failed. `status`: the eth Status exchange failed or did not match. `sync`: header
 * sync failed. `nodekey`: a node key file is unreadable or invalid. `file`: another file could
 * not be read, written or parsed. `listen`: a port could not be bound. `interrupted`: stopped
 * by SIGINT/SIGTERM. `failed`: anything else.
 */
export type CliErrorCode =
  | 'usage'
  | 'dial'
  | 'timeout'
  | 'disconnect'
  | 'handshake'
  | 'status'
  | 'sync'
  | 'nodekey'
  | 'file'
  | 'listen'
  | 'interrupted'
  | 'failed';

const BY_NAME: Record<string, CliErrorCode> = {
  UsageError: 'usage',
  DialError: 'dial',
  TimeoutError: 'timeout',
  Discv4TimeoutError: 'timeout',
  CheckTimeoutError: 'timeout',
  DnsTimeoutError: 'timeout',
  DisconnectError: 'disconnect',
  HandshakeError: 'handshake',
  EciesError: 'handshake',
  FrameError: 'handshake',
  EthHandshakeError: 'status',
  StatusMismatchError: 'status',
  SyncError: 'sync',
  NodeKeyError: 'nodekey',
  KeystoreError: 'nodekey',
  NodesFileError: 'file',
  ChainFileError: 'file',
  GenesisError: 'file',
  TestChainError: 'file',
  TreeDefinitionError: 'file',
  ListenError: 'listen',
  InterruptedError: 'interrupted',
};

const FILE_ERRNO = new Set(['ENOENT', 'EACCES', 'EPERM', 'EISDIR', 'ENOTDIR', 'EEXIST', 'EROFS', 'ENOSPC']);
const LISTEN_ERRNO = new Set(['EADDRINUSE', 'EADDRNOTAVAIL']);

/** The JSON error code of `err`. */
export function errorCode(err: unknown): CliErrorCode {
  if (!(err instanceof Error)) return 'failed';
  // A sync that found no usable peer fails because of what happened to its peers: report that.
  if (err.name === 'SyncError' && err.cause instanceof Error && BY_NAME[err.cause.name] !== undefined) return errorCode(err.cause);
  // An abort whose reason is a deadline (AbortSignal.timeout) is a timeout.
  if (err.name === 'AbortError' && err.cause instanceof Error && err.cause.name === 'TimeoutError') return 'timeout';
  const byName = BY_NAME[err.name];
  if (byName) return byName;
  const errno = (err as NodeJS.ErrnoException).code;
  if (typeof errno === 'string' && FILE_ERRNO.has(errno)) return 'file';
  if (typeof errno === 'string' && LISTEN_ERRNO.has(errno)) return 'listen';
  return 'failed';
}

/** The exit code of a command that failed with `err`. */
export function exitCodeOf(err: unknown): number {
  return errorCode(err) === 'usage' ? EXIT_USAGE : EXIT_FAILURE;
}

/** The error's message on one line (a multi-line message keeps its first line). */
export function oneLine(err: unknown): string {
  // An abort says why through its cause (a deadline, a stop signal).
  const shown = err instanceof Error && err.name === 'AbortError' && err.cause instanceof Error ? err.cause : err;
  const text = shown instanceof Error ? shown.message : String(shown);
  return text.split('\n')[0]!.trimEnd();
}

/**
 * Writes the report of a failed command and returns its exit code. Under `json` the error object
 * goes to stdout, unless the command already printed its JSON result ({@link ReportedFailure}),
 * in which case only the stderr line is written.
 */
export function reportError(err: unknown, json: boolean, io: { out: (s: string) => void; err: (s: string) => void }): number {
  const message = oneLine(err);
  if (json && !(err instanceof ReportedFailure)) {
    io.out(jsonLine({ error: { code: errorCode(err), message } }));
  } else {
    io.err(`error: ${message}\n`);
  }
  return exitCodeOf(err);
}
