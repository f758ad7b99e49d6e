import { formatAddress, parseAddress, parseIPv4, parseIPv6 } from '../users/host-patterns.js';

/** The two ends of a TCP connection, as a PROXY protocol header reports the client's. */
export interface ConnectionEndpoints {
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localAddress: string;
  readonly localPort: number;
}

/** A PROXY protocol header (HAProxy's proxy-protocol.txt, versions 1 and 2). */
export interface ProxyHeader {
  readonly version: 1 | 2;
  /**
   * The proxied client's connection; absent when the header says to use the connection's own
   * endpoints (a v2 LOCAL command, such as a proxy's health check; v1 `UNKNOWN`; a v2 header for
   * an unspecified or unix-socket address family).
   */
  readonly endpoints?: ConnectionEndpoints;
  /** Bytes the header took at the start of the stream; the SSH identification line follows. */
  readonly length: number;
}

/** A stream that does not start with a well-formed PROXY protocol header. */
export class ProxyHeaderError extends Error {
  override readonly name = 'ProxyHeaderError';

  /**
   * @param idle - the peer closed without sending a byte (a port probe or a connect-only health
   *   check): nothing was wrong with what it sent.
   */
  constructor(
    message: string,
    readonly idle = false,
  ) {
    super(message);
  }
}

/** A v1 header's longest line, CRLF included (proxy-protocol.txt §2.1). */
export const PROXY_V1_MAX_BYTES = 107;

const V1_PREFIX = Buffer.from('PROXY ', 'latin1');

/** The twelve bytes that open a v2 header (proxy-protocol.txt §2.2). */
export const PROXY_V2_SIGNATURE = Buffer.from([
  0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a,
]);

/** Bytes of a v2 header before its address block: signature, version and command, family, length. */
const V2_FIXED_BYTES = 16;

/** A v2 address block's bytes for IPv4 and IPv6: two addresses and two ports. */
const V2_INET_BYTES = 12;
const V2_INET6_BYTES = 36;

/** Whether `input` (possibly short) agrees with `expected` over the bytes it has. */
function startsLike(input: Uint8Array, expected: Uint8Array): boolean {
  const n = Math.min(input.length, expected.length);
  for (let i = 0; i < n; i++) if (input[i] !== expected[i]) return false;
  return true;
}

/**
 * Reads the PROXY protocol header (version 1 or 2, told apart by their first bytes) at the start of
 * `input`. Returns undefined while the bytes so far are the start of a valid header; throws
 * {@link ProxyHeaderError} as soon as they cannot be. Nothing past the header is read.
 */
export function parseProxyHeader(input: Uint8Array): ProxyHeader | undefined {
  if (input.length === 0) return undefined;
  if (startsLike(input, V1_PREFIX)) return parseV1(input);
  if (startsLike(input, PROXY_V2_SIGNATURE)) return parseV2(input);
  throw new ProxyHeaderError(`no PROXY protocol header (the stream starts "${preview(input)}")`);
}

/** The first bytes of a stream, printable, for an error message. */
function preview(input: Uint8Array): string {
  return Array.from(input.subarray(0, 16), (b) =>
    b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`,
  ).join('');
}

/** Version 1: `PROXY TCP4|TCP6 <src> <dst> <sport> <dport>\r\n`, or `PROXY UNKNOWN…\r\n`. */
function parseV1(input: Uint8Array): ProxyHeader | undefined {
  // The CR may stand at most two bytes before the limit, leaving room for its LF.
  const lastCr = PROXY_V1_MAX_BYTES - 2;
  const limit = Math.min(input.length, lastCr + 1);
  let end = -1;
  for (let i = 0; i < limit; i++) {
    const b = input[i]!;
    if (b === 0x0d) {
      if (i + 1 >= input.length) return undefined;
      if (input[i + 1] !== 0x0a) throw new ProxyHeaderError('PROXY v1 header: CR not followed by LF');
      end = i;
      break;
    }
    if (b < 0x20 || b > 0x7e) throw new ProxyHeaderError('PROXY v1 header: a control or non-ASCII byte');
  }
  if (end < 0) {
    if (input.length <= lastCr) return undefined;
    throw new ProxyHeaderError(`PROXY v1 header: no CRLF within ${PROXY_V1_MAX_BYTES} bytes`);
  }
  const line = Buffer.from(input.buffer, input.byteOffset, end).toString('latin1');
  const length = end + 2;
  const fields = line.split(' ');
  const protocol = fields[1];
  // UNKNOWN: the proxy could not tell (or it is its own connection); the rest of the line is ignored.
  if (protocol === 'UNKNOWN') return { version: 1, length };
  if (protocol !== 'TCP4' && protocol !== 'TCP6')
    throw new ProxyHeaderError(
      `PROXY v1 header: unknown protocol "${protocol ?? ''}" (TCP4, TCP6 or UNKNOWN)`,
    );
  if (fields.length !== 6)
    throw new ProxyHeaderError('PROXY v1 header: needs source and destination addresses and ports');
  const parse = protocol === 'TCP4' ? parseIPv4 : parseIPv6;
  const [source, destination] = [fields[2]!, fields[3]!].map((text) => {
    const bytes = parse(text);
    if (bytes === undefined)
      throw new ProxyHeaderError(`PROXY v1 header: "${text}" is not a ${protocol} address`);
    return formatAddress(bytes);
  });
  const [sourcePort, destinationPort] = [fields[4]!, fields[5]!].map((text) => {
    const port = /^(0|[1-9]\d{0,4})$/.test(text) ? Number(text) : NaN;
    if (!(port <= 65535)) throw new ProxyHeaderError(`PROXY v1 header: "${text}" is not a port`);
    return port;
  });
  return {
    version: 1,
    length,
    endpoints: {
      remoteAddress: source!,
      remotePort: sourcePort!,
      localAddress: destination!,
      localPort: destinationPort!,
    },
  };
}

/**
 * Version 2: the signature, a version (2) and command byte (LOCAL or PROXY), an address family and
 * transport byte, a 16-bit length, then the address block and any TLVs within that length (TLVs
 * are skipped).
 */
function parseV2(input: Uint8Array): ProxyHeader | undefined {
  if (input.length < V2_FIXED_BYTES) return undefined;
  const versionCommand = input[12]!;
  if (versionCommand >> 4 !== 2)
    throw new ProxyHeaderError(`PROXY v2 header: version ${versionCommand >> 4}, not 2`);
  const command = versionCommand & 0x0f;
  if (command > 1) throw new ProxyHeaderError(`PROXY v2 header: unknown command ${command}`);
  const familyTransport = input[13]!;
  const blockLength = (input[14]! << 8) | input[15]!;
  const length = V2_FIXED_BYTES + blockLength;
  if (input.length < length) return undefined;
  // LOCAL: the proxy's own connection (a health check); the block, whatever it holds, is skipped.
  if (command === 0) return { version: 2, length };
  const block = input.subarray(V2_FIXED_BYTES, length);
  switch (familyTransport) {
    case 0x11:
      return { version: 2, length, endpoints: endpointsOf(block, 4, V2_INET_BYTES) };
    case 0x21:
      return { version: 2, length, endpoints: endpointsOf(block, 16, V2_INET6_BYTES) };
    // UNSPEC, or a unix socket's path: nothing the server can use; the connection's own endpoints.
    case 0x00:
    case 0x31:
    case 0x32:
      return { version: 2, length };
    default:
      throw new ProxyHeaderError(
        `PROXY v2 header: address family and transport 0x${familyTransport.toString(16).padStart(2, '0')} ` +
          'is not TCP over IPv4 or IPv6',
      );
  }
}

/** A v2 TCP address block: source and destination addresses of `size` bytes, then both ports. */
function endpointsOf(block: Uint8Array, size: 4 | 16, needed: number): ConnectionEndpoints {
  if (block.length < needed)
    throw new ProxyHeaderError(`PROXY v2 header: ${block.length} bytes of addresses, ${needed} needed`);
  const port = (at: number) => (block[at]! << 8) | block[at + 1]!;
  return {
    remoteAddress: formatAddress(block.subarray(0, size)),
    localAddress: formatAddress(block.subarray(size, 2 * size)),
    remotePort: port(2 * size),
    localPort: port(2 * size + 2),
  };
}

/**
 * Whether two descriptions name the same TCP connection (an IPv4-mapped address equals its IPv4
 * form): a header that reports the very connection it came on is the proxy's own (a health check).
 */
export function sameConnection(a: ConnectionEndpoints, b: ConnectionEndpoints): boolean {
  const sameAddress = (x: string, y: string) => {
    if (x === y) return true;
    const [bx, by] = [parseAddress(x), parseAddress(y)];
    return bx !== undefined && by !== undefined && Buffer.compare(bx, by) === 0;
  };
  return (
    a.remotePort === b.remotePort &&
    a.localPort === b.localPort &&
    sameAddress(a.remoteAddress, b.remoteAddress) &&
    sameAddress(a.localAddress, b.localAddress)
  );
}
