import { describe, expect, it } from 'vitest';
import { isIP } from 'node:net';
import fc from 'fast-check';
import { bytesToHex, hexToBytes } from '../../src/common/bytes.js';
import { publicKeyOf } from '../../src/crypto/secp256k1.js';
import { EnodeUrlError, formatEnode, parseEnode, type Enode } from '../../src/enode/enode-url.js';
import { loadVectors } from '../support/vectors.js';

const PUB: string = loadVectors('rlpx-handshake.json').derived_public_keys.static_pubkey_a;
const CURVE_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

/** Expects parseEnode(url) to throw an EnodeUrlError carrying `url` and a message matching each pattern. */
function expectEnodeError(url: string, ...patterns: (RegExp | string)[]): EnodeUrlError {
  let err: unknown;
  try {
    parseEnode(url);
  } catch (e) {
    err = e;
  }
  expect(err, `parseEnode(${JSON.stringify(url)}) should throw`).toBeInstanceOf(EnodeUrlError);
  const e = err as EnodeUrlError;
  expect(e.name).toBe('EnodeUrlError');
  expect(e.url).toBe(url);
  expect(e.message).toMatch(/^invalid enode URL: /);
  for (const p of patterns) {
    if (typeof p === 'string') expect(e.message).toContain(p);
    else expect(e.message).toMatch(p);
  }
  return e;
}

describe('parseEnode', () => {
  it('parses IPv4 with TCP port; UDP port defaults to it', () => {
    const e = parseEnode(`enode://${PUB}@10.3.58.6:30303`);
    expect(bytesToHex(e.publicKey)).toBe(PUB);
    expect(e).toMatchObject({ ip: '10.3.58.6', tcpPort: 30303, udpPort: 30303 });
  });

  it('parses discport', () => {
    const e = parseEnode(`enode://${PUB}@127.0.0.1:30303?discport=30301`);
    expect(e).toMatchObject({ ip: '127.0.0.1', tcpPort: 30303, udpPort: 30301 });
  });

  it('ignores unknown query keys', () => {
    const e = parseEnode(`enode://${PUB}@127.0.0.1:30303?foo=bar&discport=1&x`);
    expect(e).toMatchObject({ tcpPort: 30303, udpPort: 1 });
  });

  it('parses bracketed IPv6, with and without discport', () => {
    expect(parseEnode(`enode://${PUB}@[::1]:30303`)).toMatchObject({ ip: '::1', tcpPort: 30303, udpPort: 30303 });
    expect(parseEnode(`enode://${PUB}@[2001:db8::7]:1?discport=2`)).toMatchObject({ ip: '2001:db8::7', tcpPort: 1, udpPort: 2 });
  });

  it('accepts port 0 (node that does not listen) and 65535', () => {
    expect(parseEnode(`enode://${PUB}@1.2.3.4:0`)).toMatchObject({ tcpPort: 0, udpPort: 0 });
    expect(parseEnode(`enode://${PUB}@1.2.3.4:65535?discport=65535`)).toMatchObject({ tcpPort: 65535, udpPort: 65535 });
  });

  it('accepts upper-case hex and surrounding whitespace', () => {
    const e = parseEnode(`  enode://${PUB.toUpperCase()}@1.2.3.4:5\n`);
    expect(bytesToHex(e.publicKey)).toBe(PUB);
    expect(e.tcpPort).toBe(5);
  });
});

describe('formatEnode', () => {
  const publicKey = hexToBytes(PUB);

  it('formats IPv4 without discport when UDP equals TCP', () => {
    expect(formatEnode({ publicKey, ip: '127.0.0.1', tcpPort: 30303, udpPort: 30303 })).toBe(`enode://${PUB}@127.0.0.1:30303`);
  });

  it('adds discport when UDP differs', () => {
    expect(formatEnode({ publicKey, ip: '127.0.0.1', tcpPort: 30303, udpPort: 30301 })).toBe(
      `enode://${PUB}@127.0.0.1:30303?discport=30301`,
    );
  });

  it('brackets IPv6', () => {
    expect(formatEnode({ publicKey, ip: '::1', tcpPort: 30303, udpPort: 30303 })).toBe(`enode://${PUB}@[::1]:30303`);
    expect(formatEnode({ publicKey, ip: 'fe80::1', tcpPort: 1, udpPort: 2 })).toBe(`enode://${PUB}@[fe80::1]:1?discport=2`);
  });

  it('parse(format(x)) round-trips the examples', () => {
    for (const url of [
      `enode://${PUB}@127.0.0.1:30303`,
      `enode://${PUB}@127.0.0.1:30303?discport=30301`,
      `enode://${PUB}@[::1]:30303`,
      `enode://${PUB}@[2001:db8::7]:0?discport=9`,
    ]) {
      expect(formatEnode(parseEnode(url))).toBe(url);
    }
  });
});

describe('format -> parse property', () => {
  const arbKey = fc.bigInt({ min: 1n, max: CURVE_N - 1n }).map((k) => publicKeyOf(hexToBytes(k.toString(16).padStart(64, '0'))));
  const arbPort = fc.integer({ min: 0, max: 65535 });
  const arbEnode: fc.Arbitrary<Enode> = fc.record({
    publicKey: arbKey,
    ip: fc.oneof(fc.ipV4(), fc.ipV6()),
    tcpPort: arbPort,
    udpPort: arbPort,
  });

  it('parseEnode(formatEnode(e)) gives e back, and formatting again is stable', () => {
    fc.assert(
      fc.property(arbEnode, (e) => {
        const url = formatEnode(e);
        const back = parseEnode(url);
        expect(bytesToHex(back.publicKey)).toBe(bytesToHex(e.publicKey));
        expect(back.ip).toBe(e.ip);
        expect(back.tcpPort).toBe(e.tcpPort);
        expect(back.udpPort).toBe(e.udpPort);
        expect(formatEnode(back)).toBe(url);
        expect(isIP(back.ip)).not.toBe(0);
      }),
      { numRuns: 200 },
    );
  });

  it('never throws anything but EnodeUrlError on arbitrary input', () => {
    const prefixed = fc.string().map((s) => `enode://${s}`);
    const nearMiss = fc.tuple(fc.constantFrom(PUB, PUB.slice(1), '00'.repeat(64)), fc.string()).map(([k, s]) => `enode://${k}@${s}`);
    fc.assert(
      fc.property(fc.oneof(fc.string(), prefixed, nearMiss), (s) => {
        try {
          parseEnode(s);
        } catch (err) {
          if (!(err instanceof EnodeUrlError)) throw err;
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('parseEnode errors name the bad part', () => {
  it('missing scheme', () => {
    expectEnodeError(`${PUB}@127.0.0.1:30303`, 'enode://', /scheme/);
    expectEnodeError(`enr://${PUB}@127.0.0.1:30303`, /scheme/);
    expectEnodeError(`http://${PUB}@127.0.0.1:30303`, /scheme/);
  });

  it('missing @', () => {
    expectEnodeError(`enode://${PUB}`, '@');
    expectEnodeError(`enode://${PUB}127.0.0.1:30303`, '@');
  });

  it('bad hex length or non-hex node ID', () => {
    expectEnodeError(`enode://${PUB.slice(2)}@127.0.0.1:30303`, 'node ID', '128 hex');
    expectEnodeError(`enode://${PUB}00@127.0.0.1:30303`, 'node ID', '128 hex');
    expectEnodeError(`enode://@127.0.0.1:30303`, 'node ID', '128 hex');
    expectEnodeError(`enode://0x${PUB.slice(2)}@127.0.0.1:30303`, 'node ID', '128 hex');
    expectEnodeError(`enode://${'z' + PUB.slice(1)}@127.0.0.1:30303`, 'node ID', '128 hex');
  });

  it('node ID that is not a point on the curve', () => {
    expectEnodeError(`enode://${'00'.repeat(64)}@127.0.0.1:30303`, 'node ID', /not a valid secp256k1 public key/);
    // Valid x, y flipped by one bit: off the curve.
    const last = PUB.slice(-2);
    const flipped = PUB.slice(0, -2) + ((parseInt(last, 16) ^ 1).toString(16).padStart(2, '0'));
    expectEnodeError(`enode://${flipped}@127.0.0.1:30303`, 'node ID', /not a valid secp256k1 public key/);
  });

  it('bad IP', () => {
    expectEnodeError(`enode://${PUB}@256.0.0.1:30303`, '"256.0.0.1"', /not an IP address/);
    expectEnodeError(`enode://${PUB}@1.2.3:30303`, '"1.2.3"', /not an IP address/);
    expectEnodeError(`enode://${PUB}@:30303`, '""', /not an IP address/);
    expectEnodeError(`enode://${PUB}@[::g]:30303`, '"::g"', /not an IPv6 address/);
    expectEnodeError(`enode://${PUB}@[127.0.0.1]:30303`, '"127.0.0.1"', /not an IPv6 address/);
  });

  it('host name instead of IP', () => {
    expectEnodeError(`enode://${PUB}@localhost:30303`, '"localhost"', /not an IP address/);
    expectEnodeError(`enode://${PUB}@bootnode.example.org:30303`, '"bootnode.example.org"', /not an IP address/);
  });

  it('missing port', () => {
    expectEnodeError(`enode://${PUB}@127.0.0.1`, /missing :port/);
    expectEnodeError(`enode://${PUB}@[::1]`, /IPv6 host must be \[addr\]:port/);
  });

  it('port out of range or not a number', () => {
    expectEnodeError(`enode://${PUB}@127.0.0.1:65536`, 'TCP port', '65536', /out of range/);
    expectEnodeError(`enode://${PUB}@127.0.0.1:99999`, 'TCP port', '99999', /out of range/);
    expectEnodeError(`enode://${PUB}@127.0.0.1:123456`, 'TCP port', '"123456"', /not a number/);
    expectEnodeError(`enode://${PUB}@127.0.0.1:-1`, 'TCP port', '"-1"', /not a number/);
    expectEnodeError(`enode://${PUB}@127.0.0.1:`, 'TCP port', '""', /not a number/);
    expectEnodeError(`enode://${PUB}@127.0.0.1:30303?discport=70000`, 'discovery port', '70000', /out of range/);
    expectEnodeError(`enode://${PUB}@127.0.0.1:30303?discport=abc`, 'discovery port', '"abc"', /not a number/);
    expectEnodeError(`enode://${PUB}@127.0.0.1:30303?discport=`, 'discovery port', /not a number/);
    expectEnodeError(`enode://${PUB}@[::1]:65536`, 'TCP port', '65536', /out of range/);
  });

  it('IPv6 without brackets', () => {
    // The address is named and the message says how to write it.
    expectEnodeError(`enode://${PUB}@::1:30303`, '"::1:30303" must be written as [addr]:port');
    expectEnodeError(`enode://${PUB}@2001:db8::7:30303`, '"2001:db8::7:30303" must be written as [addr]:port');
  });

  it('IPv6 with an unclosed bracket or junk after it', () => {
    expectEnodeError(`enode://${PUB}@[::1:30303`, /IPv6 host must be \[addr\]:port/);
    expectEnodeError(`enode://${PUB}@[::1]30303`, /IPv6 host must be \[addr\]:port/);
  });
});
