import { randomBytes as nodeRandomBytes } from 'node:crypto';

/** A source of random bytes; tests and fuzz targets pass a deterministic one. */
export type RandomSource = (length: number) => Uint8Array;

/** node:crypto's CSPRNG. */
export const secureRandom: RandomSource = (length) => nodeRandomBytes(length);
