/**
 * Where `node` and `sync-headers` keep a network's data when no --datadir is given: a per-user
 * directory, as geth's ~/.ethereum, with one subdirectory per network.
 */
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';

/** The directory under the user's data directory. */
export const DATA_DIR_NAME = 'devp2p-ts';

/**
 * The default data directory of `network`. Linux and other Unix: `$XDG_DATA_HOME/devp2p-ts`
 * (the XDG base-directory spec; a relative XDG_DATA_HOME is ignored, as the spec says) or
 * `~/.local/share/devp2p-ts`; macOS: `~/Library/devp2p-ts` (geth: ~/Library/Ethereum);
 * Windows: `%LOCALAPPDATA%\devp2p-ts` (geth: %LOCALAPPDATA%\Ethereum). Then `/<network>`.
 */
export function defaultDataDir(network: string, env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform, home: string = homedir()): string {
  let base: string;
  if (platform === 'darwin') base = join(home, 'Library');
  else if (platform === 'win32') base = env['LOCALAPPDATA'] || join(home, 'AppData', 'Local');
  else {
    const xdg = env['XDG_DATA_HOME'];
    base = xdg && isAbsolute(xdg) ? xdg : join(home, '.local', 'share');
  }
  return join(base, DATA_DIR_NAME, network);
}
