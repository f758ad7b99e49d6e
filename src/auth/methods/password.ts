import { PasswordFields } from '../messages.js';
import type { AuthMethodHandler } from './method.js';

/** Longest password we hash (OpenSSH's MAX_PASSWORD_LEN; CVE-2016-6515 class). */
export const MAX_PASSWORD_BYTES = 1024;

/** The `password` method (RFC 4252 §8). Password change requests are refused. */
export const passwordMethod: AuthMethodHandler = {
  names: ['password'],
  async handle(request, env) {
    const fields = PasswordFields.decode(request.methodFields);
    if (fields.changePassword) return { kind: 'failure' };
    if (fields.password.length > MAX_PASSWORD_BYTES) return { kind: 'failure' };
    const ok = await env.backend.verifyPassword(request.userName, fields.password, env.ctx);
    return ok ? { kind: 'success' } : { kind: 'failure' };
  },
};
