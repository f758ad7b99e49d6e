import { describe, expect, it } from 'vitest';
import {
  sntrup761Decapsulate,
  sntrup761Encapsulate,
  sntrup761Keygen,
} from '../../../src/crypto/sntrup761/index.js';

describe('sntrup761 randomized round trip', () => {
  it('1,000 fresh key pairs: decapsulation recovers the encapsulated secret', { timeout: 120_000 }, () => {
    let mismatches = 0;
    const seen = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const { publicKey, secretKey } = sntrup761Keygen();
      const { ciphertext, sharedSecret } = sntrup761Encapsulate(publicKey);
      const back = sntrup761Decapsulate(ciphertext, secretKey);
      if (Buffer.compare(Buffer.from(back), Buffer.from(sharedSecret)) !== 0) mismatches++;
      seen.add(Buffer.from(sharedSecret).toString('hex'));
    }
    expect(mismatches).toBe(0);
    expect(seen.size).toBe(1000);
  });
});
