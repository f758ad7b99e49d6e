import { DisconnectReason } from '../protocol/numbers.js';
import { DisconnectError } from '../protocol/errors.js';

/** Longest identification line we accept, CR LF included (RFC 4253 §4.2: 255 characters). */
export const MAX_VERSION_LINE = 255;

/** Most bytes of pre-identification lines we accept from a server peer (RFC 4253 §4.2 allows them). */
export const MAX_PRE_BANNER_BYTES = 8192;

/** A parsed SSH identification string (RFC 4253 §4.2). */
export interface Identification {
  /** The whole line without CR LF, exactly as hashed into H (V_C / V_S). */
  readonly line: string;
  /** `2.0` (or `1.99`, which means 2.0 compatible). */
  readonly protoVersion: string;
  readonly softwareVersion: string;
  readonly comments: string | undefined;
}

/** Our identification line, e.g. `SSH-2.0-sshd-kit_0.1.0` (no CR LF). */
export function identificationLine(productVersion: string, comment?: string): string {
  const software = `sshd-kit_${productVersion.replace(/[^\x21-\x7e]|-/g, '_')}`;
  return comment ? `SSH-2.0-${software} ${comment}` : `SSH-2.0-${software}`;
}

/**
 * Incremental reader of the peer's identification line. Feed it bytes until it returns a result.
 * A client must send its identification first (no other lines); a server may precede it with other
 * lines (RFC 4253 §4.2), which we skip up to a bound. Violations throw {@link DisconnectError}; the
 * caller closes the socket without an SSH packet since no keys exist yet.
 */
export class IdentificationReader {
  private buffered: Buffer = Buffer.alloc(0);
  private skipped = 0;

  constructor(private readonly peerRole: 'client' | 'server') {}

  /**
   * Adds bytes. Returns the identification and any bytes after its line (the first binary
   * packets), or undefined when more bytes are needed.
   */
  push(chunk: Uint8Array): { identification: Identification; rest: Buffer } | undefined {
    this.buffered = this.buffered.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.buffered, chunk]);
    for (;;) {
      const lf = this.buffered.indexOf(0x0a);
      const limit = MAX_VERSION_LINE;
      if (lf === -1) {
        if (this.buffered.length >= limit) throw refuse('identification line too long');
        this.checkBytes(this.buffered);
        return undefined;
      }
      if (lf + 1 > limit) throw refuse('identification line too long');
      const raw = this.buffered.subarray(0, lf);
      const rest = this.buffered.subarray(lf + 1);
      const line = raw.length > 0 && raw[raw.length - 1] === 0x0d ? raw.subarray(0, raw.length - 1) : raw;
      this.checkBytes(line);
      const text = line.toString('latin1');
      if (text.startsWith('SSH-'))
        return { identification: parseIdentification(text), rest: Buffer.from(rest) };
      if (this.peerRole === 'client') throw refuse('expected an SSH identification string');
      this.skipped += lf + 1;
      if (this.skipped > MAX_PRE_BANNER_BYTES)
        throw refuse('too many lines before the identification string');
      this.buffered = Buffer.from(rest);
    }
  }

  private checkBytes(bytes: Buffer): void {
    // No NUL anywhere, and CR only as the last byte before LF.
    if (bytes.includes(0)) throw refuse('NUL in identification string');
    const cr = bytes.indexOf(0x0d);
    if (cr !== -1 && cr !== bytes.length - 1) throw refuse('CR not followed by LF in identification string');
  }
}

/** Parses `SSH-protoversion-softwareversion [comments]`; only 2.0 and 1.99 are accepted. */
export function parseIdentification(line: string): Identification {
  const m = /^SSH-([^-\s]+)-([^\s]+)(?: (.*))?$/.exec(line);
  if (!m) throw refuse('malformed identification string');
  const [, protoVersion, softwareVersion, comments] = m as unknown as [
    string,
    string,
    string,
    string | undefined,
  ];
  if (protoVersion !== '2.0' && protoVersion !== '1.99') {
    throw new DisconnectError(
      DisconnectReason.ProtocolVersionNotSupported,
      `protocol version ${protoVersion} not supported`,
    );
  }
  if (/[^\x20-\x7e]/.test(line)) throw refuse('non-printable characters in identification string');
  return { line, protoVersion, softwareVersion, comments };
}

function refuse(why: string): DisconnectError {
  return new DisconnectError(DisconnectReason.ProtocolError, why);
}
