import { Msg } from '../../protocol/numbers.js';
import { DisconnectReason } from '../../protocol/numbers.js';
import { DisconnectError } from '../../protocol/errors.js';
import { KeyboardInteractiveFields, UserauthInfoRequest, UserauthInfoResponse } from '../messages.js';
import { MAX_PASSWORD_BYTES } from './password.js';
import type { AuthMethodHandler, MethodOutcome } from './method.js';

/**
 * The `keyboard-interactive` method (RFC 4256), driven by one password prompt: the way OpenSSH's
 * PAM-less servers use it, so clients configured for it can log in with a password.
 */
export const keyboardInteractiveMethod: AuthMethodHandler = {
  names: ['keyboard-interactive'],
  async handle(request, env) {
    KeyboardInteractiveFields.decode(request.methodFields);
    env.send(
      UserauthInfoRequest.encode({
        name: '',
        instruction: '',
        languageTag: '',
        prompts: [{ prompt: 'Password: ', echo: false }],
      }),
    );
    const next = async (payload: Buffer): Promise<MethodOutcome> => {
      if (payload[0] !== Msg.UserauthInfoResponse) {
        throw new DisconnectError(DisconnectReason.ProtocolError, 'expected USERAUTH_INFO_RESPONSE');
      }
      const { responses } = UserauthInfoResponse.decode(payload);
      if (responses.length !== 1) {
        throw new DisconnectError(
          DisconnectReason.ProtocolError,
          'wrong number of keyboard-interactive responses',
        );
      }
      const password = Buffer.from(responses[0]!, 'utf8');
      if (password.length > MAX_PASSWORD_BYTES) return { kind: 'failure' };
      const ok = await env.backend.verifyPassword(request.userName, password, env.ctx);
      return ok ? { kind: 'success' } : { kind: 'failure' };
    };
    return { kind: 'continue', next };
  },
};
