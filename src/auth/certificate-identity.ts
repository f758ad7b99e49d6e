import type { Certificate } from '../keys/certificate.js';
import { fingerprintSha256 } from '../keys/fingerprint.js';
import { sanitizeForLog } from '../log/logger.js';
import type { CertificateIdentity } from './types.js';

/** What names a certificate in logs and to plugins: key id, serial and CA (as sshd logs them). */
export function certificateIdentity(cert: Certificate): CertificateIdentity {
  return {
    keyId: cert.keyId,
    serial: cert.serial.toString(),
    caFingerprint: fingerprintSha256(cert.signatureKey),
  };
}

/** {@link certificateIdentity} made safe for a log line (the key id is the CA's free text). */
export function certificateLogFields(cert: Certificate): CertificateIdentity {
  const id = certificateIdentity(cert);
  return { ...id, keyId: sanitizeForLog(id.keyId, 128) };
}
