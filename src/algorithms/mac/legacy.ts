import type { AlgorithmEntry, MacAlgorithm } from '../types.js';
import { nativePacketCrypto } from '../cipher/native.js';
import { hmacMac } from './hmac.js';

/** hmac-sha1-96 (RFC 4253 §6.4): HMAC-SHA1 truncated to its first 12 bytes. */
export const hmacSha1_96 = hmacMac('hmac-sha1-96', 'sha1', 20, 12, false, nativePacketCrypto);
/** hmac-md5 (RFC 4253 §6.4). */
export const hmacMd5 = hmacMac('hmac-md5', 'md5', 16, 16, false, nativePacketCrypto);
/** hmac-md5-96 (RFC 4253 §6.4): HMAC-MD5 truncated to its first 12 bytes. */
export const hmacMd5_96 = hmacMac('hmac-md5-96', 'md5', 16, 12, false, nativePacketCrypto);
/** hmac-sha1-96-etm@openssh.com (OpenSSH PROTOCOL §1.5 encrypt-then-MAC form of hmac-sha1-96). */
export const hmacSha1_96Etm = hmacMac(
  'hmac-sha1-96-etm@openssh.com',
  'sha1',
  20,
  12,
  true,
  nativePacketCrypto,
);
/** hmac-md5-etm@openssh.com (OpenSSH PROTOCOL §1.5 encrypt-then-MAC form of hmac-md5). */
export const hmacMd5Etm = hmacMac('hmac-md5-etm@openssh.com', 'md5', 16, 16, true, nativePacketCrypto);
/** hmac-md5-96-etm@openssh.com (OpenSSH PROTOCOL §1.5 encrypt-then-MAC form of hmac-md5-96). */
export const hmacMd5_96Etm = hmacMac('hmac-md5-96-etm@openssh.com', 'md5', 16, 12, true, nativePacketCrypto);

/** Legacy MACs, opt-in (issue 8), in preference order (encrypt-then-MAC first, as OpenSSH orders them). */
export const legacyMacAlgorithms: readonly AlgorithmEntry<MacAlgorithm>[] = [
  hmacSha1_96Etm,
  hmacMd5Etm,
  hmacMd5_96Etm,
  hmacSha1_96,
  hmacMd5,
  hmacMd5_96,
].map((algorithm) => ({ algorithm, status: 'legacy' as const }));
