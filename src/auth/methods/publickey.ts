import type { PublicKeyCache } from '../../keys/public-key-cache.js';
import type { PublicKey } from '../../keys/types.js';
import { Msg } from '../../protocol/numbers.js';
import { WireReader, WireWriter } from '../../wire/index.js';
import { PublicKeyFields, PublicKeySignedData, UserauthPkOk } from '../messages.js';
import type { AuthMethodHandler } from './method.js';

/** OpenSSH's host-bound public key method (PROTOCOL §2.5). */
export const HOSTBOUND_METHOD = 'publickey-hostbound-v00@openssh.com';

/** Largest user key blob we parse (16384-bit RSA fits easily). */
const MAX_KEY_BLOB = 8 * 1024;

function parseKey(blob: Uint8Array, keys: PublicKeyCache): PublicKey | undefined {
  if (blob.length > MAX_KEY_BLOB) return undefined;
  try {
    return keys.parse(blob);
  } catch {
    return undefined;
  }
}

/**
 * The `publickey` method (RFC 4252 §7) and its host-bound variant: a query without a signature is
 * answered with PK_OK when the key is acceptable; a signature must be made by that key, with an
 * allowed algorithm matching its type, over this session's id and this request.
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
    const key = parseKey(fields.publicKey, env.publicKeys);
    if (!algorithm || !key || key.type !== algorithm.keyType) return failure;
    if (boundHostKey && (!env.hostKeyBlob || !Buffer.from(boundHostKey).equals(env.hostKeyBlob)))
      return failure;
    if (!(await env.backend.acceptsPublicKey(request.userName, key, env.ctx))) return failure;

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
    return algorithm.verify(key, signed, signature) ? { kind: 'success', publicKey: key } : failure;
  },
};
