/** OpenSSH key formats, fingerprints and key generation (DESIGN.md "keys/"). */
export type { KeyType, PublicKey, PrivateKey } from './types.js';
export { KeyFormatError, WrongPassphraseError, PassphraseRequiredError } from './errors.js';
export { ECDSA_CURVES, ecdsaCurveForType, ecdsaCurveForBits, type EcdsaCurve } from './curves.js';
export {
  parsePublicKeyBlob,
  publicKeyFromParts,
  publicKeyFromKeyObject,
  publicPartsOfKeyObject,
  isKeyType,
  bitLength,
  MIN_RSA_BITS,
  MAX_RSA_BITS,
  type PublicKeyParts,
} from './public-key.js';
export {
  parsePublicKeyLine,
  parsePublicKeyFile,
  parsePublicKeyList,
  formatPublicKeyLine,
} from './public-key-line.js';
export {
  parseCertificate,
  encodeCertificate,
  certificateTypeFor,
  isCertificateKeyType,
  CERTIFICATE_KEY_TYPES,
  MAX_PRINCIPALS,
  type Certificate,
  type CertificateFields,
  type CertificateKeyType,
  type CertificateOption,
  type CertificateRole,
} from './certificate.js';
export { parseCertificateLine, parseCertificateFile } from './certificate-line.js';
export { parseKrl, isKrl, MAX_KRL_BYTES, type KeyRevocationList, type RevocationCertificate } from './krl.js';
export { parseRevokedKeys, type RevocationList } from './revoked-keys.js';
export { fingerprintSha256, fingerprintMd5, formatFingerprintLine, keyTypeLabel } from './fingerprint.js';
export {
  parsePrivateKey,
  inspectPrivateKey,
  privateKeyFromKeyObject,
  serializePrivateKey,
  type PrivateKeyFormat,
  type PrivateKeyInfo,
} from './private-key.js';
export {
  parseOpenSshPrivateKey,
  encodeOpenSshPrivateKey,
  inspectOpenSshPrivateKey,
  DEFAULT_KDF_ROUNDS,
  type EncodeOpenSshOptions,
} from './openssh-key-v1.js';
export { KEY_FILE_CIPHERS, type KeyFileCipher } from './key-file-ciphers.js';
export {
  generatePrivateKey,
  checkKeyBits,
  GENERATED_KEY_KINDS,
  DEFAULT_KEY_BITS,
  type GeneratedKeyKind,
} from './generate.js';
