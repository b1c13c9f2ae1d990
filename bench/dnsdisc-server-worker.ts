/**
 * The loopback DNS server of the DNS discovery bench, in a worker thread so that serving does
 * not share the event loop of the client being timed (ours) and serves geth's client the same
 * way. workerData: the TXT records as [name, text] pairs; posts the server's port, closes on
 * any message.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { startTxtServer } from '../test/support/txt-server.js';

const records = new Map(workerData as [string, string][]);
const server = await startTxtServer(records);
parentPort!.postMessage(server.port);
parentPort!.once('message', () => {
  void server.close().then(() => parentPort!.close());
});
