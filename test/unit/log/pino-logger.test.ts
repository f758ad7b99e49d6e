import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { generatePrivateKey } from '../../../src/keys/generate.js';
import { encodeOpenSshPrivateKey } from '../../../src/keys/openssh-key-v1.js';
import { createPinoLogger } from '../../../src/log/pino-logger.js';
import { redactLogObject } from '../../../src/log/pino-redact.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
function fileLogger(level: string, format?: 'json' | 'pretty') {
  const dir = mkdtempSync(join(tmpdir(), 'sshd-kit-log-'));
  dirs.push(dir);
  const file = join(dir, 'sub', 'server.log');
  const log = createPinoLogger({ level, format, destination: { file } });
  return { log, read: () => readFileSync(file, 'utf8') };
}

describe('pino logger', () => {
  it('writes JSON lines with ISO times and the connection/user/channel/plugin bindings', () => {
    const { log, read } = fileLogger('debug', 'json');
    const chan = log.child({ conn: 'a1b2c3-0' }).child({ user: 'alice' }).child({ chan: 2, plugin: 'hello' });
    chan.info({ request: 'exec' }, 'session started');
    log.trace({}, 'not at debug');
    const lines = read()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 30,
      conn: 'a1b2c3-0',
      user: 'alice',
      chan: 2,
      plugin: 'hello',
      request: 'exec',
      msg: 'session started',
    });
    expect(lines[0]!['time']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('makes a pino child only when a child logger first writes a line at an enabled level', () => {
    const { log, read } = fileLogger('warn', 'json');
    const made = vi.spyOn(log.pino, 'child');
    const chan = log.child({ conn: 'c9' }).child({ chan: 4 });
    chan.info({}, 'below the level');
    chan.debug({}, 'below the level');
    expect(made).not.toHaveBeenCalled();
    chan.warn({ n: 1 }, 'first');
    chan.error({ n: 2 }, 'second');
    expect(made).toHaveBeenCalledTimes(1);
    const lines = read()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toMatchObject([
      { conn: 'c9', chan: 4, n: 1, msg: 'first' },
      { conn: 'c9', chan: 4, n: 2, msg: 'second' },
    ]);
  });

  it('never writes passwords, passphrases, private keys, key bytes or secret-sized numbers', async () => {
    const { log, read } = fileLogger('trace', 'json');
    const key = await generatePrivateKey('ed25519', { comment: 'k' });
    const pem = encodeOpenSshPrivateKey(key);
    const sessionKey = Buffer.from('00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff', 'hex');
    log.child({ conn: 'c', password: 'bound-secret-1' }).info(
      {
        password: 'hunter2-secret',
        auth: { passphrase: 'pp-secret', method: 'password' },
        list: [{ privateKey: pem }],
        keyText: pem,
        sessionKey,
        encKey: 'enc-secret',
        sharedSecret: 123456789n ** 5n,
        bytes: new Uint8Array(sessionKey),
        keyObject: key.keyObject,
        offset: 5n,
      },
      'oops',
    );
    log.error({ err: new Error('boom'), token: 't0k3n-secret' }, 'failed');
    const out = read();
    for (const secret of [
      'hunter2-secret',
      'pp-secret',
      'bound-secret-1',
      'enc-secret',
      't0k3n-secret',
      'PRIVATE KEY',
    ])
      expect(out).not.toContain(secret);
    expect(out).not.toContain(sessionKey.toString('hex'));
    expect(out).not.toContain(sessionKey.toString('base64'));
    expect(out).not.toContain(String(123456789n ** 5n));
    const [first, second] = out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(first).toMatchObject({
      password: '[redacted]',
      auth: { passphrase: '[redacted]', method: 'password' },
      list: [{ privateKey: '[redacted]' }],
      keyText: '[redacted private key]',
      sessionKey: '[redacted]',
      bytes: '[32 bytes]',
      offset: 5,
    });
    expect(second).toMatchObject({ err: { type: 'Error', message: 'boom' }, token: '[redacted]' });
  });

  it('pretty output (pino-pretty) carries the message and fields, redacted as well', () => {
    const { log, read } = fileLogger('info', 'pretty');
    log
      .child({ conn: 'x-1' })
      .warn({ password: 'pretty-secret', algorithm: 'aes128-cbc' }, 'legacy algorithm enabled');
    const out = read();
    expect(out).toMatch(/WARN.*legacy algorithm enabled/);
    expect(out).toMatch(/algorithm: "aes128-cbc"/);
    expect(out).toMatch(/conn: "x-1"/);
    expect(out).not.toContain('pretty-secret');
  });

  it('redactLogObject keeps ordinary values and bounds nesting', () => {
    expect(redactLogObject({ user: 'bob', n: 1, ok: true, none: null, list: ['a'] })).toEqual({
      user: 'bob',
      n: 1,
      ok: true,
      none: null,
      list: ['a'],
    });
    let deep: Record<string, unknown> = { v: 1 };
    for (let i = 0; i < 10; i++) deep = { d: deep };
    expect(JSON.stringify(redactLogObject(deep))).toContain('[…]');
    class Socketish {
      fd = 3;
    }
    expect(redactLogObject({ s: new Socketish() })).toEqual({ s: '[Socketish]' });
  });
});
