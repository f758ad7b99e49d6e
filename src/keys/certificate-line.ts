import { isCertificateKeyType, parseCertificate, type Certificate } from './certificate.js';
import { KeyFormatError } from './errors.js';
import { decodeStrictBase64, firstKeyLine } from './public-key-line.js';

/**
 * Parses a certificate line, `<type> <base64 blob> [comment]`: the one line of a `-cert.pub` file
 * that `ssh-keygen -s` writes (PROTOCOL.certkeys). The type named must be the one inside the blob.
 */
export function parseCertificateLine(line: string): Certificate {
  const m = /^(\S+)[ \t]+(\S+)(?:[ \t]+.*)?$/.exec(line.trim());
  if (m === null) throw new KeyFormatError('expected a certificate line "<type> <base64> [comment]"');
  const [, type, b64] = m as unknown as [string, string, string];
  if (!isCertificateKeyType(type)) {
    throw new KeyFormatError(
      /-cert-v01@openssh\.com$/.test(type)
        ? `unsupported certificate type "${type.slice(0, 60)}"`
        : `"${type.slice(0, 60)}" is a key type, not a certificate (sign the key with ssh-keygen -s)`,
    );
  }
  const cert = parseCertificate(decodeStrictBase64(b64, 'the certificate'));
  if (cert.type !== type)
    throw new KeyFormatError(`the line says ${type} but the certificate inside is ${cert.type}`);
  return cert;
}

/** Parses the first certificate line of a file's text (blank lines and `#` comments are skipped). */
export function parseCertificateFile(text: string): Certificate {
  const line = firstKeyLine(text);
  if (line === undefined) throw new KeyFormatError('no certificate in the file');
  return parseCertificateLine(line);
}
