import { describe, expect, it } from 'vitest';
import { DisconnectError } from '../../../src/protocol/errors.js';
import { DisconnectReason } from '../../../src/protocol/numbers.js';
import {
  IdentificationReader,
  identificationLine,
  parseIdentification,
} from '../../../src/transport/version.js';

const feed = (role: 'client' | 'server', ...parts: string[]) => {
  const r = new IdentificationReader(role);
  let out;
  for (const p of parts) out = r.push(Buffer.from(p, 'latin1'));
  return out;
};

const reasonOf = (fn: () => unknown): number | undefined => {
  try {
    fn();
  } catch (err) {
    return err instanceof DisconnectError ? err.reason : -1;
  }
  return undefined;
};

describe('identification exchange (RFC 4253 §4.2)', () => {
  it('writes our line', () => {
    expect(identificationLine('0.1.0')).toBe('SSH-2.0-sshd-kit_0.1.0');
  });

  it('parses a client line and returns the bytes after it', () => {
    const got = feed('client', 'SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n\x00\x00\x01');
    expect(got?.identification.softwareVersion).toBe('OpenSSH_9.2p1');
    expect(got?.identification.comments).toBe('Debian-2+deb12u3');
    expect(got?.identification.line).toBe('SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3');
    expect([...got!.rest]).toEqual([0, 0, 1]);
  });

  it('accepts a line split across many chunks and a bare LF', () => {
    const got = feed('client', 'SS', 'H-2.0-', 'JSCH-0.1.54', '\n');
    expect(got?.identification.softwareVersion).toBe('JSCH-0.1.54');
  });

  it('accepts 1.99 as 2.0', () => {
    expect(parseIdentification('SSH-1.99-old').protoVersion).toBe('1.99');
  });

  it('lets a server send lines before its identification', () => {
    expect(feed('server', 'hello\r\nworld\r\nSSH-2.0-x\r\n')?.identification.softwareVersion).toBe('x');
  });

  it.each([
    ['a client line before the identification', 'HELLO\r\nSSH-2.0-x\r\n', DisconnectReason.ProtocolError],
    ['NUL in the line', 'SSH-2.0-a\u0000b\r\n', DisconnectReason.ProtocolError],
    ['CR not followed by LF', 'SSH-2.0-a\rb\r\n', DisconnectReason.ProtocolError],
    ['an empty software version', 'SSH-2.0-\r\n', DisconnectReason.ProtocolError],
    ['SSH-1.5', 'SSH-1.5-x\r\n', DisconnectReason.ProtocolVersionNotSupported],
    ['SSH-3.0', 'SSH-3.0-x\r\n', DisconnectReason.ProtocolVersionNotSupported],
    ['8-bit bytes', 'SSH-2.0-x\x9b\r\n', DisconnectReason.ProtocolError],
  ])('refuses %s', (_what, input, reason) => {
    expect(reasonOf(() => feed('client', input))).toBe(reason);
  });

  it('refuses a line that never ends, once it passes 255 bytes', () => {
    const r = new IdentificationReader('client');
    expect(r.push(Buffer.from('SSH-2.0-'))).toBeUndefined();
    expect(reasonOf(() => r.push(Buffer.alloc(300, 0x41)))).toBe(DisconnectReason.ProtocolError);
  });

  it('bounds the lines a server may send first', () => {
    const r = new IdentificationReader('server');
    expect(
      reasonOf(() => {
        for (let i = 0; i < 100; i++) r.push(Buffer.from(`${'x'.repeat(200)}\r\n`));
      }),
    ).toBe(DisconnectReason.ProtocolError);
  });
});
