import { Msg } from '../protocol/numbers.js';
import { defineMessage, defineStruct, t, type FieldCodec, type Message } from '../wire/index.js';
import { DecodeError } from '../wire/errors.js';

/** SSH_MSG_USERAUTH_REQUEST (RFC 4252 §5); method-specific fields stay in `methodFields`. */
export const UserauthRequest = defineMessage(Msg.UserauthRequest, 'USERAUTH_REQUEST', {
  userName: t.text,
  serviceName: t.text,
  methodName: t.text,
  methodFields: t.rest,
});
/** Decoded SSH_MSG_USERAUTH_REQUEST. */
export type UserauthRequest = Message<typeof UserauthRequest>;

/** SSH_MSG_USERAUTH_FAILURE (RFC 4252 §5.1). */
export const UserauthFailure = defineMessage(Msg.UserauthFailure, 'USERAUTH_FAILURE', {
  authentications: t.nameList,
  partialSuccess: t.bool,
});

/** SSH_MSG_USERAUTH_SUCCESS (RFC 4252 §5.1). */
export const UserauthSuccess = defineMessage(Msg.UserauthSuccess, 'USERAUTH_SUCCESS', {});

/** SSH_MSG_USERAUTH_BANNER (RFC 4252 §5.4). */
export const UserauthBanner = defineMessage(Msg.UserauthBanner, 'USERAUTH_BANNER', {
  message: t.text,
  languageTag: t.text,
});

/** Password method fields (RFC 4252 §8); the new password is present only when `changePassword`. */
export const PasswordFields = defineStruct('password request', {
  changePassword: t.bool,
  password: t.bytes,
  newPassword: t.rest,
});

/**
 * Public key method fields (RFC 4252 §7): the signature is present only when `hasSignature`.
 * `publickey-hostbound-v00@openssh.com` adds the server host key after the key blob.
 */
export const PublicKeyFields = defineStruct('publickey request', {
  hasSignature: t.bool,
  algorithm: t.text,
  publicKey: t.bytes,
  rest: t.rest,
});

/** SSH_MSG_USERAUTH_PK_OK (RFC 4252 §7). */
export const UserauthPkOk = defineMessage(
  Msg.UserauthPkOk,
  'USERAUTH_PK_OK',
  { algorithm: t.text, publicKey: t.bytes },
  { context: 'auth:publickey' },
);

/** Keyboard-interactive method fields (RFC 4256 §3.1). */
export const KeyboardInteractiveFields = defineStruct('keyboard-interactive request', {
  languageTag: t.text,
  submethods: t.text,
});

/** One prompt of SSH_MSG_USERAUTH_INFO_REQUEST. */
export interface InfoPrompt {
  readonly prompt: string;
  readonly echo: boolean;
}

/** Most prompts or responses in one keyboard-interactive round (OpenSSH uses 100). */
export const MAX_PROMPTS = 100;

const promptList: FieldCodec<readonly InfoPrompt[]> = {
  label: 'prompts',
  read(r) {
    const n = r.u32();
    if (n > MAX_PROMPTS) throw new DecodeError(`too many prompts (${n})`, 'prompts');
    const out: InfoPrompt[] = [];
    for (let i = 0; i < n; i++) out.push({ prompt: r.text(), echo: r.bool() });
    return out;
  },
  write(w, v) {
    w.u32(v.length);
    for (const p of v) w.text(p.prompt).bool(p.echo);
  },
};

const responseList: FieldCodec<readonly string[]> = {
  label: 'responses',
  read(r) {
    const n = r.u32();
    if (n > MAX_PROMPTS) throw new DecodeError(`too many responses (${n})`, 'responses');
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push(r.text());
    return out;
  },
  write(w, v) {
    w.u32(v.length);
    for (const s of v) w.text(s);
  },
};

/** SSH_MSG_USERAUTH_INFO_REQUEST (RFC 4256 §3.2). */
export const UserauthInfoRequest = defineMessage(
  Msg.UserauthInfoRequest,
  'USERAUTH_INFO_REQUEST',
  { name: t.text, instruction: t.text, languageTag: t.text, prompts: promptList },
  { context: 'auth:keyboard-interactive' },
);

/** SSH_MSG_USERAUTH_INFO_RESPONSE (RFC 4256 §3.4). */
export const UserauthInfoResponse = defineMessage(
  Msg.UserauthInfoResponse,
  'USERAUTH_INFO_RESPONSE',
  { responses: responseList },
  { context: 'auth:keyboard-interactive' },
);

/**
 * The data a user key signs (RFC 4252 §7): session id, then the request up to and including the
 * public key (and, for the host-bound variant, the server host key).
 */
export const PublicKeySignedData = defineStruct('publickey signed data', {
  sessionId: t.bytes,
  messageNumber: t.byte,
  userName: t.text,
  serviceName: t.text,
  methodName: t.text,
  hasSignature: t.bool,
  algorithm: t.text,
  publicKey: t.bytes,
  hostKey: t.rest,
});
