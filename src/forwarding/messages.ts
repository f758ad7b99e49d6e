import { defineStruct, t, type StructOf } from '../wire/index.js';

/** `direct-tcpip` channel open data (RFC 4254 §7.2): where to connect, and who asked. */
export const DirectTcpipOpen = defineStruct('direct-tcpip', {
  hostToConnect: t.text,
  portToConnect: t.u32,
  originatorAddress: t.text,
  originatorPort: t.u32,
});
/** Decoded `direct-tcpip` open data. */
export type DirectTcpipOpen = StructOf<typeof DirectTcpipOpen>;

/** `forwarded-tcpip` channel open data (RFC 4254 §7.2): the listener hit, and the peer. */
export const ForwardedTcpipOpen = defineStruct('forwarded-tcpip', {
  connectedAddress: t.text,
  connectedPort: t.u32,
  originatorAddress: t.text,
  originatorPort: t.u32,
});

/** `tcpip-forward` and `cancel-tcpip-forward` request data (RFC 4254 §7.1). */
export const TcpipForwardRequest = defineStruct('tcpip-forward', {
  addressToBind: t.text,
  portToBind: t.u32,
});
/** Decoded `tcpip-forward` data. */
export type TcpipForwardRequest = StructOf<typeof TcpipForwardRequest>;

/** REQUEST_SUCCESS data of a `tcpip-forward` for port 0: the port bound (RFC 4254 §7.1). */
export const TcpipForwardReply = defineStruct('tcpip-forward reply', { portBound: t.u32 });

/**
 * `direct-streamlocal@openssh.com` channel open data (OpenSSH PROTOCOL §2.4): a socket path, then
 * a reserved string and uint32 that are ignored (some clients leave them out).
 */
export const DirectStreamLocalOpen = defineStruct('direct-streamlocal@openssh.com', {
  socketPath: t.text,
  reserved: t.rest,
});

/** `forwarded-streamlocal@openssh.com` channel open data (OpenSSH PROTOCOL §2.4). */
export const ForwardedStreamLocalOpen = defineStruct('forwarded-streamlocal@openssh.com', {
  socketPath: t.text,
  reserved: t.text,
});

/** `streamlocal-forward@openssh.com` / `cancel-streamlocal-forward@openssh.com` data (PROTOCOL §2.4). */
export const StreamLocalForwardRequest = defineStruct('streamlocal-forward@openssh.com', {
  socketPath: t.text,
});

/** Channel type and request names of TCP/IP and unix-socket forwarding. */
export const ForwardingNames = {
  directTcpip: 'direct-tcpip',
  forwardedTcpip: 'forwarded-tcpip',
  tcpipForward: 'tcpip-forward',
  cancelTcpipForward: 'cancel-tcpip-forward',
  directStreamLocal: 'direct-streamlocal@openssh.com',
  forwardedStreamLocal: 'forwarded-streamlocal@openssh.com',
  streamLocalForward: 'streamlocal-forward@openssh.com',
  cancelStreamLocalForward: 'cancel-streamlocal-forward@openssh.com',
} as const;
