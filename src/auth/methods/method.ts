import type { AlgorithmRegistry } from '../../algorithms/registry.js';
import type { SecurityKeySignature, SignatureAlgorithm } from '../../algorithms/types.js';
import type { Certificate } from '../../keys/certificate.js';
import type { DecodedBlobCache, PublicKeyCache } from '../../keys/public-key-cache.js';
import type { PublicKey } from '../../keys/types.js';
import type { Logger } from '../../log/logger.js';
import type { OfferedCertificate } from '../certificate-cache.js';
import type { UserauthRequest } from '../messages.js';
import type { AuthBackend, AuthContext } from '../types.js';

/** How one method attempt ended. */
export type MethodOutcome =
  | {
      readonly kind: 'success';
      readonly publicKey?: PublicKey;
      readonly certificate?: Certificate;
      readonly securityKey?: SecurityKeySignature;
    }
  | { readonly kind: 'failure' }
  /** A reply was sent (PK_OK) that neither succeeds nor counts as a failure. */
  | { readonly kind: 'answered' }
  /** The method needs more messages from the client (keyboard-interactive INFO_RESPONSE). */
  | { readonly kind: 'continue'; readonly next: (payload: Buffer) => Promise<MethodOutcome> };

/** What a method handler can use. */
export interface MethodEnvironment<User> {
  readonly backend: AuthBackend<User>;
  readonly ctx: AuthContext;
  readonly sessionId: Uint8Array;
  /** Signature algorithms a user key may sign with (those named in server-sig-algs). */
  readonly signatureAlgorithms: AlgorithmRegistry<SignatureAlgorithm>;
  readonly allowedSignatureAlgorithms: readonly string[];
  /** K_S of this connection, for `publickey-hostbound-v00@openssh.com`. */
  readonly hostKeyBlob: Uint8Array | undefined;
  /** Decodes the key blobs clients offer (the server's cache of them). */
  readonly publicKeys: PublicKeyCache;
  /** Decodes the certificates clients offer and checks their CA signatures (the server's cache). */
  readonly certificates: DecodedBlobCache<OfferedCertificate>;
  readonly log: Logger;
  send(payload: Uint8Array): void;
}

/** One user authentication method (RFC 4252 §5). */
export interface AuthMethodHandler {
  /** Wire names this handler answers (e.g. `publickey` and its host-bound variant). */
  readonly names: readonly string[];
  handle<User>(request: UserauthRequest, env: MethodEnvironment<User>): Promise<MethodOutcome>;
}
