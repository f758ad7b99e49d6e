import { randomBytes } from 'node:crypto';
import { SocketAddress } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  parseProxyHeader,
  PROXY_V2_SIGNATURE,
  ProxyHeaderError,
  type ProxyHeader,
} from '../../../src/server/proxy-protocol.js';
import { formatAddress } from '../../../src/users/host-patterns.js';

const ascii = (s: string) => Buffer.from(s, 'latin1');
const SSH = ascii('SSH-2.0-OpenSSH_9.2p1\r\n');

/** A v2 header: version/command, family/transport, then the block (addresses, TLVs). */
function v2(versionCommand: number, familyTransport: number, block: Uint8Array): Buffer {
  const length = Buffer.alloc(2);
  length.writeUInt16BE(block.length);
  return Buffer.concat([PROXY_V2_SIGNATURE, Buffer.from([versionCommand, familyTransport]), length, block]);
}

/** A v2 TCP address block. */
function inetBlock(
  source: number[],
  destination: number[],
  sourcePort: number,
  destinationPort: number,
): Buffer {
  const ports = Buffer.alloc(4);
  ports.writeUInt16BE(sourcePort, 0);
  ports.writeUInt16BE(destinationPort, 2);
  return Buffer.concat([Buffer.from(source), Buffer.from(destination), ports]);
}

/** Parses `header` followed by an identification line, fed whole and one byte at a time. */
function parseWhole(header: Buffer): ProxyHeader {
  const stream = Buffer.concat([header, SSH]);
  for (let n = 1; n < header.length; n++) expect(parseProxyHeader(stream.subarray(0, n))).toBeUndefined();
  const parsed = parseProxyHeader(stream)!;
  expect(parsed).toBeDefined();
  expect(parsed.length).toBe(header.length);
  expect(parseProxyHeader(header)).toEqual(parsed);
  return parsed;
}

const refusal = (input: Buffer) => {
  try {
    parseProxyHeader(input);
  } catch (err) {
    expect(err).toBeInstanceOf(ProxyHeaderError);
    return (err as Error).message;
  }
  return 'accepted';
};

describe('PROXY protocol v1', () => {
  it('reads TCP4 and TCP6 headers, the client first', () => {
    expect(parseWhole(ascii('PROXY TCP4 203.0.113.7 10.0.0.1 51234 22\r\n'))).toEqual({
      version: 1,
      length: 42,
      endpoints: { remoteAddress: '203.0.113.7', remotePort: 51234, localAddress: '10.0.0.1', localPort: 22 },
    });
    expect(parseWhole(ascii('PROXY TCP6 2001:DB8:0:0:0:0:0:7 ::1 65535 0\r\n')).endpoints).toEqual({
      remoteAddress: '2001:db8::7',
      remotePort: 65535,
      localAddress: '::1',
      localPort: 0,
    });
  });

  it('takes UNKNOWN, with or without addresses, as the connection itself', () => {
    expect(parseWhole(ascii('PROXY UNKNOWN\r\n'))).toEqual({ version: 1, length: 15 });
    expect(
      parseWhole(ascii('PROXY UNKNOWN ffff:f...f:ffff ffff:f...f:ffff 65535 65535\r\n')).endpoints,
    ).toBeUndefined();
  });

  it('accepts the longest line (107 bytes) and refuses one byte more', () => {
    const line = (n: number) => ascii(`PROXY UNKNOWN ${'x'.repeat(n - 16)}\r\n`);
    expect(line(107).length).toBe(107);
    expect(parseWhole(line(107)).length).toBe(107);
    expect(parseProxyHeader(line(108).subarray(0, 105))).toBeUndefined();
    expect(refusal(line(108))).toMatch(/no CRLF within 107 bytes/);
  });

  it('refuses malformed lines, as soon as they cannot be a header', () => {
    const cases: [string, RegExp][] = [
      ['PROXY TCP4 203.0.113.7 10.0.0.1 51234 22\n', /control/],
      ['PROXY TCP4 203.0.113.7 10.0.0.1 51234 22\rX', /CR not followed by LF/],
      ['PROXY TCP5 1.2.3.4 1.2.3.4 1 2\r\n', /unknown protocol "TCP5"/],
      ['PROXY  TCP4 1.2.3.4 1.2.3.4 1 2\r\n', /unknown protocol ""/],
      ['PROXY TCP4 1.2.3.4 1.2.3.4 1\r\n', /needs source and destination/],
      ['PROXY TCP4 1.2.3.4 1.2.3.4 1 2 \r\n', /needs source and destination/],
      ['PROXY TCP4 ::1 1.2.3.4 1 2\r\n', /"::1" is not a TCP4 address/],
      ['PROXY TCP6 1.2.3.4 ::1 1 2\r\n', /"1.2.3.4" is not a TCP6 address/],
      ['PROXY TCP4 1.2.3.04 1.2.3.4 1 2\r\n', /"1.2.3.04" is not a TCP4 address/],
      ['PROXY TCP4 1.2.3.4 1.2.3.4 65536 2\r\n', /"65536" is not a port/],
      ['PROXY TCP4 1.2.3.4 1.2.3.4 022 2\r\n', /"022" is not a port/],
      ['PROXY TCP4 1.2.3.4 1.2.3.4 -1 2\r\n', /"-1" is not a port/],
      ['PROXY TCP4 1.2.3.4 1.2.3.4 1 2\u00e9\r\n', /non-ASCII/],
      ['SSH-2.0-OpenSSH_9.2\r\n', /no PROXY protocol header \(the stream starts "SSH-2.0-OpenSSH_"\)/],
      ['PROXX', /no PROXY protocol header/],
      ['proxy TCP4', /no PROXY protocol header/],
    ];
    for (const [text, message] of cases) expect(refusal(ascii(text))).toMatch(message);
  });
});

describe('PROXY protocol v2', () => {
  it('reads TCP over IPv4 and IPv6, skipping TLVs', () => {
    expect(parseWhole(v2(0x21, 0x11, inetBlock([203, 0, 113, 7], [10, 0, 0, 1], 51234, 22)))).toEqual({
      version: 2,
      length: 28,
      endpoints: { remoteAddress: '203.0.113.7', remotePort: 51234, localAddress: '10.0.0.1', localPort: 22 },
    });
    const source = [0x20, 0x01, 0x0d, 0xb8, ...Array<number>(11).fill(0), 7];
    const mapped = [...Array<number>(10).fill(0), 0xff, 0xff, 192, 0, 2, 1];
    // An AWS-style TLV (type 0xEA, 5 bytes) and a NOOP after the addresses.
    const tlvs = Buffer.from([0xea, 0, 5, 1, 2, 3, 4, 5, 0x04, 0, 0]);
    const header = v2(0x21, 0x21, Buffer.concat([inetBlock(source, mapped, 1, 2222), tlvs]));
    expect(parseWhole(header)).toEqual({
      version: 2,
      length: 16 + 36 + tlvs.length,
      endpoints: {
        remoteAddress: '2001:db8::7',
        remotePort: 1,
        localAddress: '::ffff:192.0.2.1',
        localPort: 2222,
      },
    });
  });

  it('takes LOCAL (a health check), UNSPEC and unix sockets as the connection itself', () => {
    expect(parseWhole(v2(0x20, 0x00, Buffer.alloc(0)))).toEqual({ version: 2, length: 16 });
    // LOCAL may carry anything, even addresses of a family we do not know: skipped.
    expect(parseWhole(v2(0x20, 0x77, Buffer.alloc(9)))).toEqual({ version: 2, length: 25 });
    expect(parseWhole(v2(0x21, 0x00, Buffer.alloc(0)))).toEqual({ version: 2, length: 16 });
    expect(parseWhole(v2(0x21, 0x31, Buffer.alloc(216)))).toEqual({ version: 2, length: 232 });
  });

  it('refuses other versions, commands, families and short address blocks', () => {
    const block = inetBlock([1, 2, 3, 4], [5, 6, 7, 8], 1, 2);
    expect(refusal(v2(0x11, 0x11, block))).toMatch(/version 1, not 2/);
    expect(refusal(v2(0x22, 0x11, block))).toMatch(/unknown command 2/);
    expect(refusal(v2(0x21, 0x12, block))).toMatch(/0x12 is not TCP over IPv4 or IPv6/);
    expect(refusal(v2(0x21, 0x41, block))).toMatch(/0x41 is not TCP/);
    expect(refusal(v2(0x21, 0x11, block.subarray(0, 11)))).toMatch(/11 bytes of addresses, 12 needed/);
    expect(refusal(v2(0x21, 0x21, Buffer.alloc(35)))).toMatch(/35 bytes of addresses, 36 needed/);
    const badSignature = v2(0x21, 0x11, block);
    badSignature[11] = 0x0b;
    expect(refusal(badSignature)).toMatch(/no PROXY protocol header/);
  });

  it('waits for the longest header and nothing past it', () => {
    const block = Buffer.concat([inetBlock([1, 2, 3, 4], [5, 6, 7, 8], 1, 2), Buffer.alloc(65535 - 12)]);
    const header = v2(0x21, 0x11, block);
    expect(parseProxyHeader(header.subarray(0, header.length - 1))).toBeUndefined();
    expect(parseProxyHeader(Buffer.concat([header, SSH]))?.length).toBe(65551);
  });

  it('throws only ProxyHeaderError on random and mutated input', () => {
    const seeds = [
      ascii('PROXY TCP4 203.0.113.7 10.0.0.1 51234 22\r\n'),
      v2(0x21, 0x11, inetBlock([1, 2, 3, 4], [5, 6, 7, 8], 1, 2)),
      v2(0x21, 0x21, Buffer.alloc(40)),
    ];
    for (let i = 0; i < 5000; i++) {
      const input = Buffer.from(seeds[i % seeds.length]!);
      const flips = 1 + (i % 3);
      for (let f = 0; f < flips; f++)
        input[randomBytes(2).readUInt16BE() % input.length] = randomBytes(1)[0]!;
      const cut = input.subarray(0, 1 + (randomBytes(1)[0]! % input.length));
      for (const candidate of [input, cut, randomBytes(1 + (i % 64))]) {
        try {
          const header = parseProxyHeader(candidate);
          if (header) expect(header.length).toBeLessThanOrEqual(candidate.length);
        } catch (err) {
          expect(err).toBeInstanceOf(ProxyHeaderError);
        }
      }
    }
  });
});

describe('formatAddress', () => {
  it('writes IPv6 in RFC 5952 form, as the system inet_ntop does', () => {
    const samples: Uint8Array[] = [
      new Uint8Array(16),
      Uint8Array.from([...Array<number>(15).fill(0), 1]),
      Uint8Array.from([0xfe, 0x80, ...Array<number>(13).fill(0), 1]),
      Uint8Array.from([0, 1, 0, 0, 0, 2, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0]),
      Uint8Array.from([0, 1, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 3, 0, 4]),
      Uint8Array.from([...Array<number>(10).fill(0), 0xff, 0xff, 10, 0, 0, 1]),
    ];
    for (let i = 0; i < 2000; i++) {
      // Random addresses with runs of zero groups, where compression decisions happen.
      const bytes = randomBytes(16);
      for (let g = 0; g < 8; g++) if (bytes[g]! & 1) bytes.writeUInt16BE(0, 2 * g);
      samples.push(bytes);
    }
    for (const bytes of samples) {
      // The deprecated IPv4-compatible form (::a.b.c.d) is the one place inet_ntop differs from RFC 5952.
      if (bytes.subarray(0, 12).every((b) => b === 0) && !bytes.subarray(12, 14).every((b) => b === 0))
        continue;
      const groups = Array.from({ length: 8 }, (_, g) =>
        ((bytes[2 * g]! << 8) | bytes[2 * g + 1]!).toString(16),
      );
      const system = new SocketAddress({ address: groups.join(':'), family: 'ipv6' }).address;
      expect(formatAddress(bytes)).toBe(system);
    }
    expect(formatAddress(Uint8Array.from([192, 0, 2, 1]))).toBe('192.0.2.1');
    expect(() => formatAddress(new Uint8Array(5))).toThrow(RangeError);
  });
});
