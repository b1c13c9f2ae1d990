/**
 * A keystore password, as geth's tools take one: the first line of a file, or asked for on the
 * terminal (not echoed), or the first line of standard input when it is not a terminal.
 */
import { readFile } from 'node:fs/promises';
import { UsageError } from './output.js';

/** Longest password line read from stdin: a password, not a stream. */
const MAX_PASSWORD_LENGTH = 4096;

export async function readPassword(prompt: string, file: string | undefined, err: (s: string) => void): Promise<string> {
  if (file !== undefined) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      throw new UsageError(`--password: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    return firstLine(text);
  }
  const stdin = process.stdin;
  if (stdin.isTTY) err(prompt);
  const line = stdin.isTTY ? await readHidden() : await readLine();
  if (stdin.isTTY) err('\n');
  return line;
}

function firstLine(text: string): string {
  const nl = text.indexOf('\n');
  return (nl < 0 ? text : text.slice(0, nl)).replace(/\r$/, '');
}

/** The first line of a piped stdin (EOF ends it too). */
function readLine(): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const done = (): void => {
      process.stdin.off('data', onData);
      process.stdin.off('end', done);
      process.stdin.off('error', reject);
      process.stdin.pause();
      resolve(firstLine(buf));
    };
    const onData = (d: Buffer): void => {
      buf += d.toString('utf8');
      if (buf.includes('\n') || buf.length > MAX_PASSWORD_LENGTH) done();
    };
    process.stdin.on('data', onData);
    process.stdin.once('end', done);
    process.stdin.once('error', reject);
  });
}

/** A line typed on the terminal in raw mode, not echoed; Ctrl-C and Ctrl-D end it. */
function readHidden(): Promise<string> {
  const stdin = process.stdin;
  return new Promise((resolve, reject) => {
    let buf = '';
    const finish = (err?: Error): void => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      if (err) reject(err);
      else resolve(buf);
    };
    const onData = (d: Buffer): void => {
      for (const ch of d.toString('utf8')) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') return finish();
        if (ch === '\u0003') return finish(new UsageError('no password given (interrupted)'));
        if (ch === '\u007f' || ch === '\b') buf = buf.slice(0, -1);
        else if (buf.length < MAX_PASSWORD_LENGTH) buf += ch;
      }
    };
    stdin.setRawMode(true);
    stdin.resume();
    stdin.on('data', onData);
  });
}
