// Child process for test/crypto/optional-accelerators.test.ts: imports the built library
// (dist/), runs one RLPx session over loopback (handshake, Hello, one snappy-compressed message
// each way) and prints one JSON line: the active backend and the message that came back.
import { describeCrypto, activeCrypto, generatePrivateKey } from '../../../dist/src/index.js';
import { dial } from '../../../dist/src/rlpx/connect.js';
import { RlpxListener } from '../../../dist/src/rlpx/listener.js';
import { publicKeyOf } from '../../../dist/src/crypto/secp256k1.js';

const caps = [{ name: 'test', version: 1, length: 4 }];
const serverKey = generatePrivateKey();
const listener = new RlpxListener({ privateKey: serverKey, capabilities: caps });
const port = await listener.listen(0);
listener.on('session', (s) => s.on('message', (m) => s.send(m.capability, m.code, m.data)));
const client = await dial({ publicKey: publicKeyOf(serverKey), host: '127.0.0.1', port }, { privateKey: generatePrivateKey(), capabilities: caps });
const echoed = new Promise((resolve) => client.once('message', resolve));
client.send('test', 2, new TextEncoder().encode('pure '.repeat(100)));
const m = await echoed;
process.stdout.write(JSON.stringify({ backend: activeCrypto().backend, line: describeCrypto(), code: m.code, text: new TextDecoder().decode(m.data).slice(0, 10), length: m.data.length }) + '\n');
await client.disconnect();
await listener.close();
