import { DecodeError, defineStruct, t, WireReader } from '../../wire/index.js';

/** Agent message numbers used here (draft-miller-ssh-agent §3, §4). */
export const AgentMsg = {
  Failure: 5,
  Success: 6,
  RequestIdentities: 11,
  IdentitiesAnswer: 12,
  SignRequest: 13,
  SignResponse: 14,
  ExtensionFailure: 28,
} as const;

/** Flags of SSH_AGENTC_SIGN_REQUEST (draft-miller-ssh-agent §4.5.1): RSA signatures with SHA-2. */
export const AgentSignFlags = {
  RsaSha2_256: 2,
  RsaSha2_512: 4,
} as const;

/** Largest agent message we accept (OpenSSH's AGENT_MAX_LEN, 256 KiB). */
export const MAX_AGENT_MESSAGE = 256 * 1024;

/** SSH_AGENTC_SIGN_REQUEST contents after the type byte (draft-miller-ssh-agent §4.5). */
export const AgentSignRequest = defineStruct('SSH_AGENTC_SIGN_REQUEST', {
  keyBlob: t.bytes,
  data: t.bytes,
  flags: t.u32,
});

/** SSH_AGENT_SIGN_RESPONSE contents after the type byte (draft-miller-ssh-agent §4.5). */
export const AgentSignResponse = defineStruct('SSH_AGENT_SIGN_RESPONSE', { signature: t.bytes });

/** One key an agent holds: its public key blob (RFC 4253 §6.6) and comment. */
export interface AgentIdentity {
  readonly keyBlob: Uint8Array;
  readonly comment: string;
}

/**
 * Decodes SSH_AGENT_IDENTITIES_ANSWER contents after the type byte (draft-miller-ssh-agent §4.4):
 * a count, then that many (key blob, comment) pairs. The count is checked against the bytes left,
 * so a huge count cannot make us allocate.
 */
export function decodeIdentitiesAnswer(body: Uint8Array): AgentIdentity[] {
  const r = new WireReader(body);
  const count = r.u32();
  // Each identity takes at least 8 bytes (two empty strings).
  if (count > r.remaining / 8)
    throw new DecodeError(`${count} identities in ${r.remaining} bytes`, 'identities');
  const out: AgentIdentity[] = [];
  for (let i = 0; i < count; i++) out.push({ keyBlob: r.bytes(), comment: r.textLenient() });
  r.end();
  return out;
}

/** Encodes SSH_AGENT_IDENTITIES_ANSWER contents (for tests and in-process agents). */
export function encodeIdentitiesAnswer(identities: readonly AgentIdentity[]): Buffer {
  const parts: Buffer[] = [u32(identities.length)];
  for (const id of identities) {
    parts.push(u32(id.keyBlob.length), Buffer.from(id.keyBlob));
    const comment = Buffer.from(id.comment, 'utf8');
    parts.push(u32(comment.length), comment);
  }
  return Buffer.concat(parts);
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

/** Frames one agent message: uint32 length, byte type, contents (draft-miller-ssh-agent §3). */
export function frameAgentMessage(type: number, body: Uint8Array = new Uint8Array(0)): Buffer {
  const out = Buffer.alloc(5 + body.length);
  out.writeUInt32BE(1 + body.length, 0);
  out[4] = type;
  out.set(body, 5);
  return out;
}

/**
 * Splits a byte stream into agent messages (`{ type, body }`), refusing any longer than
 * {@link MAX_AGENT_MESSAGE} or empty.
 */
export class AgentMessageReader {
  private chunks: Buffer[] = [];
  private buffered = 0;

  /** Adds bytes; returns the messages completed by them. Throws DecodeError on a bad length. */
  push(data: Buffer): { type: number; body: Buffer }[] {
    this.chunks.push(data);
    this.buffered += data.length;
    const out: { type: number; body: Buffer }[] = [];
    while (this.buffered >= 4) {
      const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
      this.chunks = [all];
      const length = all.readUInt32BE(0);
      if (length === 0 || length > MAX_AGENT_MESSAGE)
        throw new DecodeError(`length ${length}`, 'agent message');
      if (all.length < 4 + length) break;
      out.push({ type: all[4]!, body: all.subarray(5, 4 + length) });
      const rest = all.subarray(4 + length);
      this.chunks = rest.length > 0 ? [rest] : [];
      this.buffered = rest.length;
    }
    return out;
  }
}
