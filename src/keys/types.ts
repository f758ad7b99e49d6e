import type { KeyObject } from 'node:crypto';

/** Key types this project reads and writes (the name inside a public key blob, RFC 4253 §6.6). */
export type KeyType =
  | 'ssh-ed25519'
  | 'ecdsa-sha2-nistp256'
  | 'ecdsa-sha2-nistp384'
  | 'ecdsa-sha2-nistp521'
  | 'ssh-rsa'
  | 'ssh-dss'
  | SecurityKeyType;

/**
 * FIDO/U2F security-key types (OpenSSH PROTOCOL.u2f): public keys only, for user authentication;
 * the private half never leaves the authenticator.
 */
export type SecurityKeyType = 'sk-ssh-ed25519@openssh.com' | 'sk-ecdsa-sha2-nistp256@openssh.com';

/** A public key, decoded from its SSH wire blob or an OpenSSH public key line. */
export interface PublicKey {
  readonly type: KeyType;
  /** The SSH wire encoding of the key (RFC 4253 §6.6, RFC 5656 §3.1, RFC 8709 §4). */
  readonly blob: Uint8Array;
  /** The same key as a node:crypto object, for verification. */
  readonly keyObject: KeyObject;
  /** Key size in bits (RSA modulus, curve size, 256 for ed25519). */
  readonly bits: number;
  /** Comment from the key line or file, when known. */
  readonly comment?: string;
  /**
   * For a security key: the FIDO application (relying party id) it was made for, usually `ssh:`;
   * its signatures cover this string's SHA-256 (PROTOCOL.u2f).
   */
  readonly application?: string;
}

/** A private key with its public half. */
export interface PrivateKey {
  readonly type: KeyType;
  readonly publicKey: PublicKey;
  /** The key as a node:crypto object, for signing. */
  readonly keyObject: KeyObject;
  readonly comment: string;
}
