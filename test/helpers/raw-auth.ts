import type { SignatureAlgorithm } from '../../src/algorithms/types.js';
import {
  PasswordFields,
  PublicKeyFields,
  PublicKeySignedData,
  UserauthRequest,
} from '../../src/auth/messages.js';
import type { PrivateKey } from '../../src/keys/types.js';
import { Msg } from '../../src/protocol/numbers.js';
import { WireWriter } from '../../src/wire/index.js';

/** USERAUTH_REQUEST for the password method. */
export function passwordRequest(user: string, password: string | Buffer): Buffer {
  return UserauthRequest.encode({
    userName: user,
    serviceName: 'ssh-connection',
    methodName: 'password',
    methodFields: PasswordFields.encode({
      changePassword: false,
      password: Buffer.from(password),
      newPassword: new Uint8Array(0),
    }),
  });
}

/** USERAUTH_REQUEST for the `none` method. */
export function noneRequest(user: string, service = 'ssh-connection'): Buffer {
  return UserauthRequest.encode({
    userName: user,
    serviceName: service,
    methodName: 'none',
    methodFields: new Uint8Array(0),
  });
}

/** A signed publickey USERAUTH_REQUEST over `sessionId` (RFC 4252 §7). */
export function signedPublicKeyRequest(
  user: string,
  key: PrivateKey,
  algorithm: SignatureAlgorithm,
  sessionId: Uint8Array,
  /** What is offered: the key's blob, or a certificate of it (with a certificate algorithm). */
  offered: Uint8Array = key.publicKey.blob,
): Buffer {
  const signed = PublicKeySignedData.encode({
    sessionId,
    messageNumber: Msg.UserauthRequest,
    userName: user,
    serviceName: 'ssh-connection',
    methodName: 'publickey',
    hasSignature: true,
    algorithm: algorithm.name,
    publicKey: offered,
    hostKey: new Uint8Array(0),
  });
  const signature = algorithm.sign(key, signed);
  return UserauthRequest.encode({
    userName: user,
    serviceName: 'ssh-connection',
    methodName: 'publickey',
    methodFields: PublicKeyFields.encode({
      hasSignature: true,
      algorithm: algorithm.name,
      publicKey: offered,
      rest: new WireWriter().bytes(signature).finish(),
    }),
  });
}
