import { describe, expect, it } from 'vitest';
import { DecodeError, defineMessage, defineStruct, t, type Message } from '../../../src/wire/index.js';

const ChannelOpenConfirmation = defineMessage(91, 'CHANNEL_OPEN_CONFIRMATION', {
  recipientChannel: t.u32,
  senderChannel: t.u32,
  initialWindowSize: t.u32,
  maximumPacketSize: t.u32,
  typeSpecific: t.rest,
});
type ChannelOpenConfirmation = Message<typeof ChannelOpenConfirmation>;

describe('defineMessage', () => {
  const msg: ChannelOpenConfirmation = {
    recipientChannel: 1,
    senderChannel: 2,
    initialWindowSize: 2 * 1024 * 1024,
    maximumPacketSize: 32768,
    typeSpecific: new Uint8Array([9]),
  };

  it('round-trips and puts the number first', () => {
    const wire = ChannelOpenConfirmation.encode(msg);
    expect(wire[0]).toBe(91);
    expect(wire.length).toBe(1 + 16 + 1);
    const back = ChannelOpenConfirmation.decode(wire);
    expect(back.maximumPacketSize).toBe(32768);
    expect(Buffer.from(back.typeSpecific)).toEqual(Buffer.from([9]));
  });

  it('rejects a payload with another number', () => {
    const wire = Buffer.from(ChannelOpenConfirmation.encode(msg));
    wire[0] = 92;
    expect(() => ChannelOpenConfirmation.decode(wire)).toThrow(/expected message 91, got 92/);
  });

  it('names the field that was truncated', () => {
    const wire = ChannelOpenConfirmation.encode(msg).subarray(0, 10);
    expect(() => ChannelOpenConfirmation.decode(wire)).toThrow(
      /CHANNEL_OPEN_CONFIRMATION\.initialWindowSize/,
    );
  });

  it('rejects trailing bytes when there is no rest field', () => {
    const Ignore = defineMessage(2, 'IGNORE', { data: t.bytes });
    const wire = Buffer.concat([Ignore.encode({ data: Buffer.from('x') }), Buffer.from([0])]);
    expect(() => Ignore.decode(wire)).toThrow(DecodeError);
  });

  it('refuses a rest field that is not last', () => {
    expect(() => defineStruct('bad', { a: t.rest, b: t.u32 })).toThrow(/must be last/);
  });

  it('decodes nested structures and closed value sets', () => {
    const Sig = defineStruct('signature', {
      algorithm: t.oneOf(['ssh-ed25519', 'rsa-sha2-256']),
      blob: t.bytes,
    });
    const Holder = defineMessage(60, 'HOLDER', { sig: t.nested(Sig) });
    const wire = Holder.encode({ sig: { algorithm: 'ssh-ed25519', blob: Buffer.alloc(64, 1) } });
    expect(Holder.decode(wire).sig.algorithm).toBe('ssh-ed25519');
    const unknown = defineStruct('raw', { algorithm: t.text, blob: t.bytes }).encode({
      algorithm: 'ssh-dss',
      blob: Buffer.alloc(0),
    });
    expect(() => Sig.decode(unknown)).toThrow(/unexpected value "ssh-dss"/);
  });
});
