import type { SignatureAlgorithm } from '../../algorithms/types.js';
import type { Certificate } from '../../keys/certificate.js';
import type { PublicKey } from '../../keys/types.js';
import { Msg } from '../../protocol/numbers.js';
import { WireReader, WireWriter } from '../../wire/index.js';
import type { OfferedCertificate } from '../certificate-cache.js';
import { certificateLogFields } from '../certificate-identity.js';
import { PublicKeyFields, PublicKeySignedData, UserauthPkOk } from '../messages.js';
import type { AuthMethodHandler, MethodEnvironment } from './method.js';

/** OpenSSH's host-bound public key method (PROTOCOL §2.5). */
export const HOSTBOUND_METHOD = 'publickey-hostbound-v00@openssh.com';

/** Largest user key blob we parse (16384-bit RSA fits easily). */
const MAX_KEY_BLOB = 8 * 1024;
/** Largest certificate blob we parse: two large RSA keys, a signature and up to 256 principals. */
const MAX_CERTIFICATE_BLOB = 32 * 1024;

/** The key a client offers: plain, or the key a certificate certifies, with the certificate. */
interface OfferedKey {
  readonly key: PublicKey;
  readonly certificate?: Certificate;
}

/**
 * Decodes the key blob for `algorithm`: a plain key of its type, or for a certificate algorithm a
 * certificate of its type whose CA signature verifies with an allowed CA algorithm. Undefined for
 * anything else.
 */
function offeredKey<User>(
  blob: Uint8Array,
  algorithm: SignatureAlgorithm,
  env: MethodEnvironment<User>,
): OfferedKey | undefined {
  if (!algorithm.certified) {
    if (blob.length > MAX_KEY_BLOB) return undefined;
    try {
      const key = env.publicKeys.parse(blob);
      return key.type === algorithm.keyType ? { key } : undefined;
    } catch {
      return undefined;
    }
  }
  if (blob.length > MAX_CERTIFICATE_BLOB) return undefined;
  let offered: OfferedCertificate;
  try {
    offered = env.certificates.get(blob);
  } catch {
    return undefined;
  }
  const { certificate } = offered;
  if (certificate.type !== algorithm.keyType) return undefined;
  if (!offered.caSigned) {
    env.log.info(
      { cert: certificateLogFields(certificate) },
      'certificate refused: its CA signature does not verify with an allowed algorithm (caSignatureAlgorithms)',
    );
    return undefined;
  }
  return { key: certificate.key, certificate };
}

/**
 * The `publickey` method (RFC 4252 §7) and its host-bound variant: a query without a signature is
 * answered with PK_OK when the key is acceptable; a signature must be made by that key, with an
 * allowed algorithm matching its type, over this session's id and this request. A certificate
 * (PROTOCOL.certkeys) is signed for by the key it certifies, with the plain algorithm; a security
 * key's flags (PROTOCOL.u2f) go back to the backend, which knows whether a touch or a PIN is required.
 */
export const publicKeyMethod: AuthMethodHandler = {
  names: ['publickey', HOSTBOUND_METHOD],
  async handle(request, env) {
    const fields = PublicKeyFields.decode(request.methodFields);
    const hostbound = request.methodName === HOSTBOUND_METHOD;
    const rest = new WireReader(fields.rest);
    const boundHostKey = hostbound ? rest.bytes() : undefined;
    const signature = fields.hasSignature ? rest.bytes() : undefined;
    rest.end();

    const failure = { kind: 'failure' } as const;
    if (!env.allowedSignatureAlgorithms.includes(fields.algorithm)) return failure;
    const algorithm = env.signatureAlgorithms.get(fields.algorithm);
    const offered = algorithm && offeredKey(fields.publicKey, algorithm, env);
    if (!algorithm || !offered) return failure;
    if (boundHostKey && (!env.hostKeyBlob || !Buffer.from(boundHostKey).equals(env.hostKeyBlob)))
      return failure;
    const { key, certificate } = offered;
    const offer = certificate ? { certificate } : undefined;
    if (!(await env.backend.acceptsPublicKey(request.userName, key, env.ctx, offer))) return failure;

    if (!signature) {
      env.send(UserauthPkOk.encode({ algorithm: fields.algorithm, publicKey: fields.publicKey }));
      return { kind: 'answered' };
    }
    const signed = PublicKeySignedData.encode({
      sessionId: env.sessionId,
      messageNumber: Msg.UserauthRequest,
      userName: request.userName,
      serviceName: request.serviceName,
      methodName: request.methodName,
      hasSignature: true,
      algorithm: fields.algorithm,
      publicKey: fields.publicKey,
      hostKey: boundHostKey ? new WireWriter().bytes(boundHostKey).finish() : new Uint8Array(0),
    });
    if (!algorithm.verify(key, signed, signature)) return failure;
    // A security key's signature says whether it was touched (and a PIN given): ask whether that
    // is enough for this key, now that the signature is known to be its own.
    const securityKey = algorithm.securityKeyDetails?.(signature);
    if (
      securityKey &&
      !(await env.backend.acceptsPublicKey(request.userName, key, env.ctx, { ...offer, securityKey }))
    )
      return failure;
    return {
      kind: 'success',
      publicKey: key,
      ...(certificate ? { certificate } : {}),
      ...(securityKey ? { securityKey } : {}),
    };
  },
};
