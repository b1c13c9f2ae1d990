import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CLIENT_NAME, CLIENT_VERSION, DEFAULT_CLIENT_ID, roleClientId } from '../../src/common/client-id.js';
import { parseClientId } from '../../src/sync/crawl/client-id.js';

describe('our client ID', () => {
  it('carries the package name and version', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { name: string; version: string };
    expect(CLIENT_NAME).toBe(pkg.name);
    expect(CLIENT_VERSION).toBe(`v${pkg.version}`);
  });

  it('parses as name and version, like the IDs we crawl', () => {
    for (const id of [DEFAULT_CLIENT_ID, roleClientId('serve')]) {
      const info = parseClientId(id);
      expect(info.name).toBe(CLIENT_NAME);
      expect(`v${info.version}`).toBe(CLIENT_VERSION);
    }
    expect(roleClientId('serve')).toBe(`${CLIENT_NAME}/${CLIENT_VERSION}/serve`);
  });
});
