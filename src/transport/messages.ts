import { Msg } from '../protocol/numbers.js';
import { DecodeError, defineMessage, t, type FieldCodec, type Message } from '../wire/index.js';

/** SSH_MSG_DISCONNECT (RFC 4253 §11.1). */
export const Disconnect = defineMessage(Msg.Disconnect, 'DISCONNECT', {
  reasonCode: t.u32,
  description: t.textLenient,
  languageTag: t.textLenient,
});

/** SSH_MSG_IGNORE (RFC 4253 §11.2). */
export const Ignore = defineMessage(Msg.Ignore, 'IGNORE', { data: t.bytes });

/** SSH_MSG_UNIMPLEMENTED (RFC 4253 §11.4). */
export const Unimplemented = defineMessage(Msg.Unimplemented, 'UNIMPLEMENTED', { sequenceNumber: t.u32 });

/** SSH_MSG_DEBUG (RFC 4253 §11.3). */
export const Debug = defineMessage(Msg.Debug, 'DEBUG', {
  alwaysDisplay: t.bool,
  message: t.textLenient,
  languageTag: t.textLenient,
});

/** SSH_MSG_SERVICE_REQUEST (RFC 4253 §10). */
export const ServiceRequest = defineMessage(Msg.ServiceRequest, 'SERVICE_REQUEST', { serviceName: t.text });

/** SSH_MSG_SERVICE_ACCEPT (RFC 4253 §10). */
export const ServiceAccept = defineMessage(Msg.ServiceAccept, 'SERVICE_ACCEPT', { serviceName: t.text });

/** Most extensions we read from one EXT_INFO (RFC 8308 §2.3 sets no limit; we do). */
const MAX_EXTENSIONS = 64;

/** RFC 8308 §2.3 extension list: uint32 count, then (string name, string value) pairs. */
const extensionList: FieldCodec<readonly (readonly [string, Uint8Array])[]> = {
  label: 'extensions',
  read(r) {
    const n = r.u32();
    if (n > MAX_EXTENSIONS) throw new DecodeError(`too many extensions (${n})`, 'EXT_INFO');
    const out: [string, Uint8Array][] = [];
    for (let i = 0; i < n; i++) out.push([r.text(), r.bytes()]);
    return out;
  },
  write(w, v) {
    w.u32(v.length);
    for (const [name, value] of v) w.text(name).bytes(value);
  },
};

/** SSH_MSG_EXT_INFO (RFC 8308 §2.3). */
export const ExtInfo = defineMessage(Msg.ExtInfo, 'EXT_INFO', { extensions: extensionList });
/** Decoded SSH_MSG_EXT_INFO. */
export type ExtInfo = Message<typeof ExtInfo>;

/** SSH2_MSG_PING (OpenSSH PROTOCOL §2.2, `ping@openssh.com`). */
export const Ping = defineMessage(Msg.Ping, 'PING', { data: t.bytes });

/** SSH2_MSG_PONG (OpenSSH PROTOCOL §2.2). */
export const Pong = defineMessage(Msg.Pong, 'PONG', { data: t.bytes });
