import { describe, expect, it } from 'vitest';
import { ServerEventEmitter } from '../../../src/plugins/events.js';
import { memoryLogger } from '../../integration/plugin-helpers.js';

const conn = { id: 'c1', remoteAddress: '127.0.0.1', remotePort: 1, localAddress: '127.0.0.1', localPort: 2 };

describe('ServerEventEmitter', () => {
  it('calls listeners in subscription order until they unsubscribe', () => {
    const events = new ServerEventEmitter(memoryLogger());
    const seen: string[] = [];
    const off = events.on('connection.open', (e) => void seen.push(`a:${e.conn.id}`));
    events.on('connection.open', (e) => void seen.push(`b:${e.conn.id}`));
    events.emit('connection.open', { conn });
    off();
    events.emit('connection.open', { conn });
    expect(seen).toEqual(['a:c1', 'b:c1', 'b:c1']);
    expect(events.listenerCount('connection.open')).toBe(1);
  });

  it('logs a listener that throws or rejects with its owner, and still calls the others', async () => {
    const log = memoryLogger();
    const events = new ServerEventEmitter(log);
    let called = false;
    events.on(
      'connection.close',
      () => {
        throw new Error('sync');
      },
      'p1',
    );
    events.on('connection.close', async () => Promise.reject(new Error('async')), 'p2');
    events.on('connection.close', () => void (called = true));
    events.emit('connection.close', { conn });
    await new Promise((r) => setImmediate(r));
    expect(called).toBe(true);
    expect(log.lines.map((l) => [l.fields['plugin'], (l.fields['err'] as Error).message])).toEqual([
      ['p1', 'sync'],
      ['p2', 'async'],
    ]);
  });

  it('refuses an event name it does not have', () => {
    const events = new ServerEventEmitter(memoryLogger());
    expect(() => events.on('connection.opened' as 'connection.open', () => undefined)).toThrow(
      /unknown server event/,
    );
  });
});
