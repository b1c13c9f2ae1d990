/** Client IDs as real nodes announce them in Hello (strings seen on mainnet crawls). */
import { describe, expect, it } from 'vitest';
import { clientLabel, parseClientId } from '../../../src/sync/crawl/client-id.js';

describe('parseClientId', () => {
  it.each([
    ['Geth/v1.17.0-stable-3b6e3e6a/linux-amd64/go1.26.0', { name: 'geth', version: '1.17.0', versionSuffix: 'stable-3b6e3e6a', os: 'linux', arch: 'amd64', runtime: 'go1.26.0' }],
    ['Geth/v1.10.26-stable/linux-amd64/go1.18.5', { name: 'geth', version: '1.10.26', versionSuffix: 'stable', os: 'linux', arch: 'amd64', runtime: 'go1.18.5' }],
    ['Geth/v1.14.0-unstable-abcdef12-20240101/darwin-arm64/go1.22.1', { name: 'geth', version: '1.14.0', versionSuffix: 'unstable-abcdef12-20240101', os: 'darwin', arch: 'arm64' }],
    ['erigon/v2.60.1-2c8b5bb6/linux-amd64/go1.21.5', { name: 'erigon', version: '2.60.1', os: 'linux', arch: 'amd64', runtime: 'go1.21.5' }],
    ['erigon/3.0.0/linux-amd64/go1.23.4', { name: 'erigon', version: '3.0.0', os: 'linux' }],
    ['Nethermind/v1.25.4+20b10b35/linux-x64/dotnet8.0.2', { name: 'nethermind', version: '1.25.4', versionSuffix: '+20b10b35', os: 'linux', arch: 'x64', runtime: 'dotnet8.0.2' }],
    ['Nethermind/v1.14.3-0-e3fd5f5b7-20221013/X64-Linux/6.0.10', { name: 'nethermind', version: '1.14.3', os: 'linux', arch: 'x64' }],
    ['reth/v1.0.0-1b1f6d2/x86_64-unknown-linux-gnu', { name: 'reth', version: '1.0.0', versionSuffix: '1b1f6d2', os: 'linux', arch: 'x86_64' }],
    ['reth/v1.3.12-6f8e725/aarch64-apple-darwin', { name: 'reth', version: '1.3.12', os: 'darwin', arch: 'aarch64' }],
    ['besu/v24.1.2/linux-x86_64/openjdk-java-17', { name: 'besu', version: '24.1.2', os: 'linux', arch: 'x86_64', runtime: 'openjdk-java-17' }],
    ['Besu/v23.4.0/linux-aarch_64/oracle_openjdk-java-17', { name: 'besu', version: '23.4.0', os: 'linux', runtime: 'oracle_openjdk-java-17' }],
  ])('%s', (raw, want) => {
    const got = parseClientId(raw);
    expect(got).toMatchObject({ raw, ...want });
  });

  it('takes the segments between the name and the version as the geth --identity', () => {
    const c = parseClientId('Geth/my-node-01/v1.13.14-stable-2bd6bd01/linux-amd64/go1.21.7');
    expect(c).toMatchObject({ name: 'geth', identity: 'my-node-01', version: '1.13.14', os: 'linux', arch: 'amd64' });
  });

  it('does not take a purely numeric identity for the version', () => {
    expect(parseClientId('Geth/2024/v1.13.14-stable/linux-amd64/go1.21.7')).toMatchObject({ identity: '2024', version: '1.13.14' });
  });

  it('keeps the first version when a fork embeds geth\'s', () => {
    expect(parseClientId('Q-Client/v1.0.8-stable/Geth/v1.10.8-stable-850a0145/linux-amd64/go1.16.15')).toMatchObject({ name: 'q-client', version: '1.0.8', os: 'linux' });
  });

  it('never throws: odd and empty IDs give a name and no version', () => {
    const empty = parseClientId('');
    expect(empty.name).toBe('unknown');
    expect(empty.version).toBeUndefined();
    const pchain = parseClientId('pchain/linux-amd64/go1.13.3');
    expect(pchain).toMatchObject({ name: 'pchain', os: 'linux', runtime: 'go1.13.3' });
    expect(pchain.version).toBeUndefined();
    expect(parseClientId('just-a-name').version).toBeUndefined();
    expect(parseClientId('////').name).toBe('unknown');
    expect(parseClientId('\u0000\uffff/v\u0000').version).toBeUndefined();
  });

  it('labels by name and version', () => {
    expect(clientLabel(parseClientId('Geth/v1.17.0-stable-3b6e3e6a/linux-amd64/go1.26.0'))).toBe('geth v1.17.0');
    expect(clientLabel(parseClientId('mystery'))).toBe('mystery');
  });
});
