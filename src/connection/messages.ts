import { Msg } from '../protocol/numbers.js';
import { defineMessage, t, type Message } from '../wire/index.js';
import { DecodeError } from '../wire/errors.js';

/** SSH_MSG_GLOBAL_REQUEST (RFC 4254 §4). */
export const GlobalRequest = defineMessage(Msg.GlobalRequest, 'GLOBAL_REQUEST', {
  requestName: t.text,
  wantReply: t.bool,
  requestSpecific: t.rest,
});
/** Decoded SSH_MSG_GLOBAL_REQUEST. */
export type GlobalRequest = Message<typeof GlobalRequest>;

/** SSH_MSG_REQUEST_SUCCESS (RFC 4254 §4). */
export const RequestSuccess = defineMessage(Msg.RequestSuccess, 'REQUEST_SUCCESS', {
  responseSpecific: t.rest,
});

/** SSH_MSG_REQUEST_FAILURE (RFC 4254 §4). */
export const RequestFailure = defineMessage(Msg.RequestFailure, 'REQUEST_FAILURE', {});

/** SSH_MSG_CHANNEL_OPEN (RFC 4254 §5.1). */
export const ChannelOpen = defineMessage(Msg.ChannelOpen, 'CHANNEL_OPEN', {
  channelType: t.text,
  senderChannel: t.u32,
  initialWindowSize: t.u32,
  maximumPacketSize: t.u32,
  typeSpecific: t.rest,
});
/** Decoded SSH_MSG_CHANNEL_OPEN. */
export type ChannelOpen = Message<typeof ChannelOpen>;

/** SSH_MSG_CHANNEL_OPEN_CONFIRMATION (RFC 4254 §5.1). */
export const ChannelOpenConfirmation = defineMessage(
  Msg.ChannelOpenConfirmation,
  'CHANNEL_OPEN_CONFIRMATION',
  {
    recipientChannel: t.u32,
    senderChannel: t.u32,
    initialWindowSize: t.u32,
    maximumPacketSize: t.u32,
    typeSpecific: t.rest,
  },
);

/** SSH_MSG_CHANNEL_OPEN_FAILURE (RFC 4254 §5.1). */
export const ChannelOpenFailureMessage = defineMessage(Msg.ChannelOpenFailure, 'CHANNEL_OPEN_FAILURE', {
  recipientChannel: t.u32,
  reasonCode: t.u32,
  description: t.textLenient,
  languageTag: t.textLenient,
});

/** SSH_MSG_CHANNEL_WINDOW_ADJUST (RFC 4254 §5.2). */
export const ChannelWindowAdjust = defineMessage(Msg.ChannelWindowAdjust, 'CHANNEL_WINDOW_ADJUST', {
  recipientChannel: t.u32,
  bytesToAdd: t.u32,
});

/** SSH_MSG_CHANNEL_EOF (RFC 4254 §5.3). */
export const ChannelEof = defineMessage(Msg.ChannelEof, 'CHANNEL_EOF', { recipientChannel: t.u32 });

/** SSH_MSG_CHANNEL_CLOSE (RFC 4254 §5.3). */
export const ChannelClose = defineMessage(Msg.ChannelClose, 'CHANNEL_CLOSE', { recipientChannel: t.u32 });

/** SSH_MSG_CHANNEL_REQUEST (RFC 4254 §5.4). */
export const ChannelRequestMessage = defineMessage(Msg.ChannelRequest, 'CHANNEL_REQUEST', {
  recipientChannel: t.u32,
  requestType: t.text,
  wantReply: t.bool,
  typeSpecific: t.rest,
});

/** SSH_MSG_CHANNEL_SUCCESS (RFC 4254 §5.4). */
export const ChannelSuccess = defineMessage(Msg.ChannelSuccess, 'CHANNEL_SUCCESS', {
  recipientChannel: t.u32,
});

/** SSH_MSG_CHANNEL_FAILURE (RFC 4254 §5.4). */
export const ChannelFailure = defineMessage(Msg.ChannelFailure, 'CHANNEL_FAILURE', {
  recipientChannel: t.u32,
});

/**
 * SSH_MSG_CHANNEL_DATA / SSH_MSG_CHANNEL_EXTENDED_DATA (RFC 4254 §5.2), the hot path: encoded and
 * decoded by hand, without copying the data on decode.
 */
export const ChannelDataCodec = {
  /** Encodes CHANNEL_DATA, or CHANNEL_EXTENDED_DATA when `dataType` is given. */
  encode(recipientChannel: number, data: Uint8Array, dataType?: number): Buffer {
    const header = dataType === undefined ? 9 : 13;
    const out = Buffer.allocUnsafe(header + data.length);
    out[0] = dataType === undefined ? Msg.ChannelData : Msg.ChannelExtendedData;
    out.writeUInt32BE(recipientChannel, 1);
    if (dataType !== undefined) out.writeUInt32BE(dataType, 5);
    out.writeUInt32BE(data.length, header - 4);
    out.set(data, header);
    return out;
  },
  /**
   * Writes the header of CHANNEL_DATA (9 bytes) or CHANNEL_EXTENDED_DATA (13 bytes) for `length`
   * data bytes into `target` and returns it as a view; the data follows it on the wire.
   */
  encodeHeader(target: Buffer, recipientChannel: number, length: number, dataType?: number): Buffer {
    const header = dataType === undefined ? 9 : 13;
    target[0] = dataType === undefined ? Msg.ChannelData : Msg.ChannelExtendedData;
    target.writeUInt32BE(recipientChannel, 1);
    if (dataType !== undefined) target.writeUInt32BE(dataType, 5);
    target.writeUInt32BE(length, header - 4);
    return target.subarray(0, header);
  },
  /** Decodes either message; `dataType` is undefined for CHANNEL_DATA. */
  decode(payload: Buffer): { recipientChannel: number; dataType: number | undefined; data: Buffer } {
    const extended = payload[0] === Msg.ChannelExtendedData;
    const header = extended ? 13 : 9;
    if (payload.length < header)
      throw new DecodeError('truncated', extended ? 'CHANNEL_EXTENDED_DATA' : 'CHANNEL_DATA');
    const length = payload.readUInt32BE(header - 4);
    if (length !== payload.length - header) {
      throw new DecodeError(
        'data length does not match the packet',
        extended ? 'CHANNEL_EXTENDED_DATA' : 'CHANNEL_DATA',
      );
    }
    return {
      recipientChannel: payload.readUInt32BE(1),
      dataType: extended ? payload.readUInt32BE(5) : undefined,
      data: payload.subarray(header),
    };
  },
};
