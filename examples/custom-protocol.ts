/**
 * A custom protocol next to eth: `greet/1`, whose message 0 is answered with message 1 carrying
 * the same bytes reversed. Both servers register it beside eth; one greets the other.
 * Run: `node custom-protocol.js` (after tsc); it exits by itself.
 */
import { once } from 'node:events';
import { EthService, Server, generateDevnetChain, generatePrivateKey, type Protocol, type ProtocolPeer } from 'devp2p-ts';

const replies: Uint8Array[] = [];
const answered = new EventTarget();

const greet: Protocol = {
  name: 'greet',
  version: 1,
  length: 2, // message codes 0 and 1, relative to the protocol
  messageName: (code) => ['Greet', 'Reply'][code],
  create: (peer: ProtocolPeer) => ({
    handle(code, data) {
      if (code === 0) peer.send(1, data.slice().reverse());
      if (code === 1) {
        replies.push(data);
        answered.dispatchEvent(new Event('reply'));
      }
    },
    close(info) {
      console.log(`greet: peer ${peer.id.slice(0, 8)} gone (reason ${info.reason})`);
    },
  }),
};

const devnet = generateDevnetChain({ length: 4 });
async function node(): Promise<Server> {
  const eth = new EthService({ network: devnet.network, chain: devnet.chain });
  const server = new Server({ privateKey: generatePrivateKey(), protocols: [...eth.protocols(), greet], listen: { host: '127.0.0.1', port: 0 } });
  await server.start();
  return server;
}

const a = await node();
const b = await node();
const peer = await a.connect(b.enode);
console.log('negotiated:', peer.info().caps.join(', '));

const reply = once(answered, 'reply');
peer.session.send('greet', 0, new TextEncoder().encode('hello'));
await reply;
console.log('reply:', new TextDecoder().decode(replies[0]));

await a.stop();
await b.stop();
