import { verifyCertificateSignature } from '../algorithms/hostkey/certificate.js';
import type { AlgorithmRegistry } from '../algorithms/registry.js';
import type { SignatureAlgorithm } from '../algorithms/types.js';
import { parseCertificate, type Certificate } from '../keys/certificate.js';
import { DecodedBlobCache } from '../keys/public-key-cache.js';

/** A certificate a client offered, decoded, and whether its CA's signature verified. */
export interface OfferedCertificate {
  readonly certificate: Certificate;
  /** Signed by the CA it names with an algorithm of the server's caSignatureAlgorithms. */
  readonly caSigned: boolean;
}

/**
 * The server's cache of the certificates clients offer (PROTOCOL.certkeys): like its public keys,
 * each is offered twice per login (the query and the signed request), and decoding one makes two
 * node:crypto keys and checks a signature. The CA policy (`caSignatureAlgorithms`) is fixed for
 * the server's life, so the check's answer is kept with the certificate.
 */
export function certificateCache(
  algorithms: AlgorithmRegistry<SignatureAlgorithm>,
  caSignatureAlgorithms: readonly string[],
): DecodedBlobCache<OfferedCertificate> {
  return new DecodedBlobCache((blob) => {
    const certificate = parseCertificate(Buffer.from(blob));
    const caSigned = verifyCertificateSignature(certificate, algorithms, caSignatureAlgorithms);
    return Object.freeze({ certificate, caSigned });
  });
}
