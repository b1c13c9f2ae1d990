/** `devp2p-ts key ...`: node key files, as geth's `devp2p key` commands. */
import { parseArgs } from 'node:util';
import { isIP } from 'node:net';
import { bytesToHex } from '../common/bytes.js';
import { formatEnode } from '../enode/enode-url.js';
import { generateNodeKey, loadNodeKey, nodeIdOf, publicKeyOfNodeKey, saveNodeKey } from '../enode/key.js';
import { parsePortOption, UsageError } from './output.js';
import { keyToEnr } from './discv4.js';

export const KEY_USAGE = `usage:
  devp2p-ts key generate [--out FILE]          new node key (prints it, or writes FILE)
  devp2p-ts key to-id FILE                     node ID (keccak256 of the public key)
  devp2p-ts key to-enode FILE --ip IP --tcp PORT [--udp PORT]
  devp2p-ts key to-enr FILE [--ip IP] [--tcp PORT] [--udp PORT]`;

export async function keyCommand(args: string[]): Promise<void> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'generate': {
      const { values } = parseArgs({ args: rest, options: { out: { type: 'string' } }, strict: true });
      const key = generateNodeKey();
      if (values.out) {
        await saveNodeKey(values.out, key);
        process.stdout.write(`wrote ${values.out}\nenode public key: ${bytesToHex(publicKeyOfNodeKey(key))}\n`);
      } else {
        process.stdout.write(bytesToHex(key) + '\n');
      }
      return;
    }
    case 'to-id': {
      const file = rest[0];
      if (!file) throw new UsageError('key to-id needs a key FILE');
      process.stdout.write(bytesToHex(nodeIdOf(publicKeyOfNodeKey(await loadNodeKey(file)))) + '\n');
      return;
    }
    case 'to-enode': {
      const { values, positionals } = parseArgs({
        args: rest,
        options: { ip: { type: 'string', default: '127.0.0.1' }, tcp: { type: 'string' }, udp: { type: 'string' } },
        allowPositionals: true,
        strict: true,
      });
      const file = positionals[0];
      if (!file) throw new UsageError('key to-enode needs a key FILE');
      if (!isIP(values.ip!)) throw new UsageError(`--ip must be an IP address, got "${values.ip}"`);
      const tcpPort = parsePortOption('tcp', values.tcp, 30303);
      const udpPort = parsePortOption('udp', values.udp, tcpPort);
      const publicKey = publicKeyOfNodeKey(await loadNodeKey(file));
      process.stdout.write(formatEnode({ publicKey, ip: values.ip!, tcpPort, udpPort }) + '\n');
      return;
    }
    case 'to-enr':
      await keyToEnr(rest);
      return;
    default:
      throw new UsageError(sub ? `unknown key command "${sub}"\n${KEY_USAGE}` : KEY_USAGE);
  }
}
