/** `devp2p-ts rlpx ping <enode>`: handshake + Hello with a node, print its Hello. */
import { bytesToHex } from '../common/bytes.js';
import { nodeIdOf } from '../enode/key.js';
import { generatePrivateKey } from '../crypto/secp256k1.js';
import { dial } from '../rlpx/connect.js';
import { DisconnectReason } from '../rlpx/disconnect-reason.js';
import { DisconnectError, TimeoutError } from '../rlpx/errors.js';
import type { CloseInfo, Session } from '../rlpx/session.js';
import { defineCommand, parseCommand } from './command.js';
import type { Group } from './command-tree.js';
import { EXAMPLE_ENODE, parseEnodeArg } from './common-options.js';
import { formatDuration, MIN_TIMEOUT_MS, parseDurationFlag } from './duration.js';
import { printJson } from './output.js';

/** Default bound on dial, handshake, Hello and our Ping's Pong. */
export const RLPX_PING_TIMEOUT_MS = 10_000;

const PING = defineCommand({
  name: 'rlpx ping',
  args: '<enode>',
  argsName: 'an enode URL',
  positionals: [1, 1],
  summary: 'handshake (ECIES + Hello) with a node and print its Hello',
  description: 'A Pong to our Ping shows the node accepted us; a refusal (too many peers...) fails with its reason.',
  flags: {
    timeout: { type: 'string', value: 'DURATION', help: 'bound on the whole exchange: 500ms, 10s, 2m (a bare number is milliseconds)', default: formatDuration(RLPX_PING_TIMEOUT_MS) },
    json: { type: 'boolean', help: 'print one JSON object (errors too)' },
  },
  examples: [`devp2p-ts rlpx ping ${EXAMPLE_ENODE}`],
});

/** Capabilities we offer in a ping's Hello, so nodes that check them still answer with theirs. */
const PING_CAPS = [
  { name: 'eth', version: 68, length: 17 },
  { name: 'eth', version: 69, length: 18 },
  { name: 'eth', version: 70, length: 18 },
];

export async function rlpxPing(args: string[]): Promise<void> {
  const { values, positionals } = parseCommand(PING, args);
  const target = parseEnodeArg(positionals[0]!);
  const timeoutMs = parseDurationFlag('timeout', values.timeout, MIN_TIMEOUT_MS);
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
    await finishPing(session, ms, values.json);
  } catch (err) {
    throw deadline.signal.aborted && deadline.signal.reason instanceof Error ? deadline.signal.reason : err;
  } finally {
    clearTimeout(timer);
  }
}

export const RLPX_GROUP: Group = {
  name: 'rlpx',
  summary: 'RLPx transport commands.',
  commands: { ping: { spec: PING, run: rlpxPing } },
};

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
      `client:     ${h.clientId}`,
      `version:    ${h.protocolVersion}`,
      `caps:       ${h.capabilities.map((c) => `${c.name}/${c.version}`).join(', ') || '(none)'}`,
      `port:       ${h.listenPort}`,
      `public key: ${bytesToHex(h.publicKey)}`,
      `node ID:    ${bytesToHex(nodeIdOf(h.publicKey))}`,
      `handshake:  ${ms.toFixed(1)} ms`,
    ].join('\n') + '\n',
  );
}
