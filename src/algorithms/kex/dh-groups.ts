import { getDiffieHellman } from 'node:crypto';

/** A finite-field Diffie-Hellman group: a safe prime and its generator. */
export interface DhGroup {
  /** RFC 3526 name, e.g. `modp14`. */
  readonly name: string;
  readonly bits: number;
  readonly prime: Buffer;
  readonly generator: Buffer;
}

/** The RFC 3526 MODP groups by number: 14 (2048 bits) to 18 (8192 bits), all with g = 2. */
export type Rfc3526GroupId = 14 | 15 | 16 | 17 | 18;

/**
 * An RFC 3526 MODP group (§3–§7), taken from OpenSSL's built-in copy through node:crypto (the
 * test suite checks each is a safe prime of the right size with the RFC's fixed top and bottom
 * 64 bits). RFC 8268 names groups 14, 16 and 18 for SSH with SHA-2.
 */
export function rfc3526Group(id: Rfc3526GroupId): DhGroup {
  const name = `modp${id}`;
  const prime = getDiffieHellman(name).getPrime();
  return { name, bits: prime.length * 8, prime, generator: Buffer.from([2]) };
}

/** Groups offered for group exchange (RFC 4419), smallest first: every RFC 3526 group from 2048 bits. */
export function gexGroups(): readonly DhGroup[] {
  return ([14, 15, 16, 17, 18] as const).map(rfc3526Group);
}
