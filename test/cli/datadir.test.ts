import { describe, expect, it } from 'vitest';
import { defaultDataDir } from '../../src/cli/datadir.js';

describe('default data directory', () => {
  it('Linux: $XDG_DATA_HOME/devp2p-ts/NETWORK, else ~/.local/share/devp2p-ts/NETWORK', () => {
    expect(defaultDataDir('sepolia', { XDG_DATA_HOME: '/data' }, 'linux', '/home/u')).toBe('/data/devp2p-ts/sepolia');
    expect(defaultDataDir('mainnet', {}, 'linux', '/home/u')).toBe('/home/u/.local/share/devp2p-ts/mainnet');
    expect(defaultDataDir('mainnet', { XDG_DATA_HOME: '' }, 'freebsd', '/home/u')).toBe('/home/u/.local/share/devp2p-ts/mainnet');
  });

  it('a relative XDG_DATA_HOME is ignored, as the XDG spec says', () => {
    expect(defaultDataDir('devnet', { XDG_DATA_HOME: 'rel/dir' }, 'linux', '/home/u')).toBe('/home/u/.local/share/devp2p-ts/devnet');
  });

  it('macOS: ~/Library/devp2p-ts; Windows: %LOCALAPPDATA%\\devp2p-ts (as geth places ~/Library/Ethereum, %LOCALAPPDATA%\\Ethereum)', () => {
    expect(defaultDataDir('mainnet', {}, 'darwin', '/Users/u')).toBe('/Users/u/Library/devp2p-ts/mainnet');
    // path.join follows the platform running the test, so compare the parts.
    expect(defaultDataDir('mainnet', { LOCALAPPDATA: 'C:/Users/u/AppData/Local' }, 'win32', 'C:/Users/u').split(/[\\/]/)).toEqual(['C:', 'Users', 'u', 'AppData', 'Local', 'devp2p-ts', 'mainnet']);
  });
});
