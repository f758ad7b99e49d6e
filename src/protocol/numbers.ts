/** SSH message numbers (RFC 4250 §4.1.2, RFC 8308 §2.3, OpenSSH PROTOCOL). */
export const Msg = {
  // Transport layer generic (RFC 4253)
  Disconnect: 1,
  Ignore: 2,
  Unimplemented: 3,
  Debug: 4,
  ServiceRequest: 5,
  ServiceAccept: 6,
  ExtInfo: 7,
  NewCompress: 8,
  // Algorithm negotiation
  KexInit: 20,
  NewKeys: 21,
  // 30–49: key exchange method specific (see kex/)
  KexdhInit: 30,
  KexdhReply: 31,
  KexEcdhInit: 30,
  KexEcdhReply: 31,
  KexDhGexRequestOld: 30,
  KexDhGexGroup: 31,
  KexDhGexInit: 32,
  KexDhGexReply: 33,
  KexDhGexRequest: 34,
  // User authentication generic (RFC 4252)
  UserauthRequest: 50,
  UserauthFailure: 51,
  UserauthSuccess: 52,
  UserauthBanner: 53,
  // 60–79: user authentication method specific
  UserauthPkOk: 60,
  UserauthPasswdChangereq: 60,
  UserauthInfoRequest: 60,
  UserauthInfoResponse: 61,
  // Connection protocol generic (RFC 4254)
  GlobalRequest: 80,
  RequestSuccess: 81,
  RequestFailure: 82,
  ChannelOpen: 90,
  ChannelOpenConfirmation: 91,
  ChannelOpenFailure: 92,
  ChannelWindowAdjust: 93,
  ChannelData: 94,
  ChannelExtendedData: 95,
  ChannelEof: 96,
  ChannelClose: 97,
  ChannelRequest: 98,
  ChannelSuccess: 99,
  ChannelFailure: 100,
  // OpenSSH PROTOCOL §2.2 (transport-level ping)
  Ping: 192,
  Pong: 193,
} as const;

/** SSH_MSG_DISCONNECT reason codes (RFC 4253 §11.1, RFC 4250 §4.2.2). */
export const DisconnectReason = {
  HostNotAllowedToConnect: 1,
  ProtocolError: 2,
  KeyExchangeFailed: 3,
  Reserved: 4,
  MacError: 5,
  CompressionError: 6,
  ServiceNotAvailable: 7,
  ProtocolVersionNotSupported: 8,
  HostKeyNotVerifiable: 9,
  ConnectionLost: 10,
  ByApplication: 11,
  TooManyConnections: 12,
  AuthCancelledByUser: 13,
  NoMoreAuthMethodsAvailable: 14,
  IllegalUserName: 15,
} as const;
/** One of the RFC 4253 §11.1 disconnect reason codes. */
export type DisconnectReasonCode = (typeof DisconnectReason)[keyof typeof DisconnectReason];

/** SSH_MSG_CHANNEL_OPEN_FAILURE reason codes (RFC 4254 §5.1). */
export const ChannelOpenFailure = {
  AdministrativelyProhibited: 1,
  ConnectFailed: 2,
  UnknownChannelType: 3,
  ResourceShortage: 4,
} as const;
/** One of the RFC 4254 §5.1 channel open failure codes. */
export type ChannelOpenFailureCode = (typeof ChannelOpenFailure)[keyof typeof ChannelOpenFailure];

/** SSH_MSG_CHANNEL_EXTENDED_DATA data type codes (RFC 4254 §5.2). */
export const ExtendedDataType = {
  Stderr: 1,
} as const;

/** Name of a disconnect reason code, for logs. */
export function disconnectReasonName(code: number): string {
  for (const [name, value] of Object.entries(DisconnectReason)) if (value === code) return name;
  return `Unknown(${code})`;
}
