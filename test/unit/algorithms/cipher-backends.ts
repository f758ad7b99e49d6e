import { nativePacketCrypto, type NativePacketCrypto } from '../../../src/algorithms/cipher/native.js';

/** The implementations a cipher test runs on: the native module (when it loads here) and node:crypto. */
export const cipherBackends: { backend: string; native: NativePacketCrypto | undefined }[] = [
  ...(nativePacketCrypto ? [{ backend: 'the native module', native: nativePacketCrypto }] : []),
  { backend: 'node:crypto', native: undefined },
];
