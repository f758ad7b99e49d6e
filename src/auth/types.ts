import type { SecurityKeySignature } from '../algorithms/types.js';
import type { Certificate } from '../keys/certificate.js';
import type { PublicKey } from '../keys/types.js';

/** User authentication methods the server implements (RFC 4252 §5, RFC 4256). */
export type AuthMethodName = 'publickey' | 'password' | 'keyboard-interactive';

/** Where a login stands after some methods succeeded (OpenSSH `AuthenticationMethods` chains). */
export type AuthProgress =
  { readonly complete: true } | { readonly complete: false; readonly next: readonly AuthMethodName[] };

/** The peer of a connection, as auth decisions and logs see it. */
export interface ConnectionInfo {
  /** Short unique id for logs. */
  readonly id: string;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localAddress: string;
  readonly localPort: number;
  /** The client's identification string (sanitised before logging). */
  readonly clientVersion: string;
}

/** Context of one authentication decision. */
export interface AuthContext {
  readonly connection: ConnectionInfo;
  /** Aborted when the connection ends or the login grace time runs out. */
  readonly signal: AbortSignal;
}

/** What came with a public key besides the key (see {@link AuthBackend.acceptsPublicKey}). */
export interface PublicKeyOffer {
  /** The certificate the key came in (PROTOCOL.certkeys), its CA signature verified. */
  readonly certificate?: Certificate;
  /** A security key's flags and counter from its verified signature (PROTOCOL.u2f). */
  readonly securityKey?: SecurityKeySignature;
}

/** What proved the user's identity, handed to {@link AuthBackend.login}. */
export interface AuthProof {
  readonly methods: readonly AuthMethodName[];
  /** The key whose signature was verified, when publickey was used (the last one, for chains). */
  readonly publicKey?: PublicKey;
  /** The certificate `publicKey` came in, when the client logged in with one (PROTOCOL.certkeys). */
  readonly certificate?: Certificate;
  /** A security key's flags and counter with its signature (PROTOCOL.u2f), for the backend to judge. */
  readonly securityKey?: SecurityKeySignature;
}

/**
 * What the `ssh-userauth` service asks of the server's user database. Answers for unknown or
 * disabled users must look exactly like those for wrong credentials, and take about as long.
 */
export interface AuthBackend<User> {
  /** Methods that may come next for `username` after `completed` succeeded, or completion. */
  progress(username: string, completed: readonly AuthMethodName[], ctx: AuthContext): Promise<AuthProgress>;
  /** Checks a password (at most 1 KiB, refused before hashing otherwise). */
  verifyPassword(username: string, password: Uint8Array, ctx: AuthContext): Promise<boolean>;
  /**
   * Whether this key may log in as `username` (authorized keys and their `from=` etc.), asked before
   * its signature is checked. With `offer.certificate`, `key` is the key it certifies, and the CA's
   * signature has been verified: whether to trust that CA for this user is the backend's decision.
   * A security key is asked again once its signature verified, with `offer.securityKey`: whether
   * its flags (a touch, a PIN) are enough for this key.
   */
  acceptsPublicKey(
    username: string,
    key: PublicKey,
    ctx: AuthContext,
    offer?: PublicKeyOffer,
  ): Promise<boolean>;
  /** The session identity once a chain of methods is complete; undefined refuses the login. */
  login(username: string, proof: AuthProof, ctx: AuthContext): Promise<User | undefined>;
}

/** Audit record of one authentication attempt (never holds a secret). */
export interface AuthAttempt {
  readonly username: string;
  readonly method: string;
  readonly result: 'success' | 'partial' | 'failure' | 'query-ok';
}

/** A host and port pattern from `permitopen=`/`permitlisten=` or the config (`*` matches any). */
export interface HostPortPattern {
  readonly host: string;
  /** A port number, or `*` for any port. */
  readonly port: number | '*';
}

/** What an authenticated session may do: the account's permissions narrowed by the key's options. */
export interface SessionPolicy {
  readonly shell: boolean;
  readonly exec: boolean;
  readonly sftp: boolean;
  readonly pty: boolean;
  readonly portForwarding: boolean;
  readonly agentForwarding: boolean;
  /** `command=` from authorized_keys: run this instead of what the client asks. */
  readonly forcedCommand?: string;
  /** Empty means any target (when forwarding is allowed). */
  readonly permitOpen: readonly HostPortPattern[];
  readonly permitListen: readonly HostPortPattern[];
  /** `environment=` entries from authorized_keys. */
  readonly environment: readonly { readonly name: string; readonly value: string }[];
  readonly sftpReadOnly: boolean;
  readonly umask: number;
  /**
   * Bytes per second the account's clients may send (upload) and receive (download), summed over
   * all its connections and channels; absent: no limit.
   */
  readonly uploadBytesPerSecond?: number;
  readonly downloadBytesPerSecond?: number;
  /** Connections of the account logged in at once; a login past it is disconnected (TOO_MANY_CONNECTIONS). */
  readonly maxConnections?: number;
}

/** The identity of a logged-in session, as the connection layer and plugins see it. */
export interface AuthenticatedUser {
  readonly name: string;
  /** Host path of the user's home directory (the SFTP jail root). */
  readonly home: string;
  readonly policy: SessionPolicy;
  /** The methods that logged the user in, in order. */
  readonly methods: readonly AuthMethodName[];
  /** SHA256 fingerprint of the key that logged in, when publickey was used. */
  readonly keyFingerprint?: string;
  /** The certificate the key came in, when it came in one: for logs and plugins. */
  readonly certificate?: CertificateIdentity;
}

/** What names a user certificate in logs (as sshd logs it: key id, serial, CA). */
export interface CertificateIdentity {
  /** The certificate's key id (`ssh-keygen -I`); the CA's free text, so sanitise before display. */
  readonly keyId: string;
  /** The serial number, in decimal (a uint64). */
  readonly serial: string;
  /** SHA256 fingerprint of the CA key that signed it. */
  readonly caFingerprint: string;
}
