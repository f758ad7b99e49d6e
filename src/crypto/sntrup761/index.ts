export {
  sntrup761Keygen,
  sntrup761Encapsulate,
  sntrup761Decapsulate,
  type Sntrup761KeyPair,
  type Sntrup761Encapsulation,
} from './kem.js';
export { bufferedSystemRandom, type RandomSource } from './random.js';
export {
  CIPHERTEXT_BYTES as SNTRUP761_CIPHERTEXT_BYTES,
  PUBLIC_KEY_BYTES as SNTRUP761_PUBLIC_KEY_BYTES,
  SECRET_KEY_BYTES as SNTRUP761_SECRET_KEY_BYTES,
  SHARED_SECRET_BYTES as SNTRUP761_SHARED_SECRET_BYTES,
} from './params.js';
