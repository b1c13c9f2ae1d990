/** `devp2p-ts rlpx ping <enode>`: handshake + Hello with a node, print its Hello. */
import { parseArgs } from 'node:util';
import { bytesToHex } from '../common/bytes.js';
import { parseEnode, type Enode } from '../enode/enode-url.js';
import { nodeIdOf } from '../enode/key.js';
import { generatePrivateKey } from '../crypto/secp256k1.js';
import { dial } from '../rlpx/connect.js';
import { DisconnectReason } from '../rlpx/disconnect-reason.js';
import { DisconnectError, TimeoutError } from '../rlpx/errors.js';
import type { CloseInfo, Session } from '../rlpx/session.js';
import { parseIntOption, printJson, UsageError } from './output.js';

export const RLPX_USAGE = `usage:
  devp2p-ts rlpx ping <enode> [--json] [--timeout MS]
      handshake (ECIES + Hello) with the node and print its Hello`;

/** Capabilities we offer in a ping's Hello, so nodes that check them still answer with theirs. */
const PING_CAPS = [
  { name: 'eth', version: 68, length: 17 },
  { name: 'eth', version: 69, length: 18 },
  { name: 'eth', version: 70, length: 18 },
];

export async function rlpxCommand(args: string[]): Promise<void> {
  const [sub, ...rest] = args;
  if (sub !== 'ping') throw new UsageError(sub ? `unknown rlpx command "${sub}"\n${RLPX_USAGE}` : RLPX_USAGE);
  const { values, positionals } = parseArgs({
    args: rest,
    options: { json: { type: 'boolean', default: false }, timeout: { type: 'string' } },
    allowPositionals: true,
    strict: true,
  });
  if (!positionals[0]) throw new UsageError(`rlpx ping needs an enode URL\n${RLPX_USAGE}`);
  let target: Enode;
  try {
    target = parseEnode(positionals[0]);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const timeoutMs = parseIntOption('timeout', values.timeout, 10_000);
  const started = performance.now();
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(new TimeoutError('handshake', timeoutMs)), timeoutMs);
  let session: Session;
  try {
    session = await dial(
      { publicKey: target.publicKey, host: target.ip, port: target.tcpPort },
      { privateKey: generatePrivateKey(), capabilities: PING_CAPS, requireSharedCapability: false },
      { dialTimeoutMs: timeoutMs, signal: deadline.signal },
    );
    const ms = performance.now() - started;
    // The remote sends its Hello before it has read ours, so a refusal (TooManyPeers...) comes
    // after. It handles our Hello before our Ping, so a Pong means we were accepted.
    await accepted(session, deadline.signal);
    await finishPing(session, ms, values.json ?? false);
  } catch (err) {
    throw deadline.signal.aborted && deadline.signal.reason instanceof Error ? deadline.signal.reason : err;
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves on our Ping's Pong; rejects with the peer's Disconnect if it refuses us instead. */
function accepted(session: Session, signal: AbortSignal): Promise<void> {
  const asError = (info: CloseInfo): Error => (info.error instanceof DisconnectError ? info.error : new DisconnectError(info.reason, info.remote, info.error));
  if (session.closeInfo) return Promise.reject(asError(session.closeInfo));
  return new Promise((resolve, reject) => {
    const done = (err?: Error) => {
      session.off('pong', onPong);
      session.off('close', onClose);
      signal.removeEventListener('abort', onAbort);
      if (err) {
        void session.disconnect(DisconnectReason.Requested);
        reject(err);
      } else resolve();
    };
    const onPong = () => done();
    const onClose = (info: CloseInfo) => done(asError(info));
    const onAbort = () => done(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    session.on('pong', onPong);
    session.on('close', onClose);
    signal.addEventListener('abort', onAbort, { once: true });
    session.ping();
  });
}

async function finishPing(session: Session, ms: number, json: boolean): Promise<void> {
  const h = session.remoteHello!;
  await session.disconnect(DisconnectReason.Requested);
  if (json) {
    printJson({
      clientId: h.clientId,
      protocolVersion: h.protocolVersion,
      capabilities: h.capabilities,
      listenPort: h.listenPort,
      publicKey: bytesToHex(h.publicKey),
      id: bytesToHex(nodeIdOf(h.publicKey)),
      handshakeMs: Math.round(ms * 10) / 10,
    });
    return;
  }
  process.stdout.write(
    [
      `client:    ${h.clientId}`,
      `version:   ${h.protocolVersion}`,
      `caps:      ${h.capabilities.map((c) => `${c.name}/${c.version}`).join(', ') || '(none)'}`,
      `port:      ${h.listenPort}`,
      `node key:  ${bytesToHex(h.publicKey)}`,
      `node ID:   ${bytesToHex(nodeIdOf(h.publicKey))}`,
      `handshake: ${ms.toFixed(1)} ms`,
    ].join('\n') + '\n',
  );
}
