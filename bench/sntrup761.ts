/**
 * Cost of sntrup761 and of the sntrup761x25519-sha512 server side against curve25519-sha256.
 * Run: npx tsx bench/sntrup761.ts [iterations]
 */
import { createHash, diffieHellman, generateKeyPairSync } from 'node:crypto';
import {
  sntrup761Decapsulate,
  sntrup761Encapsulate,
  sntrup761Keygen,
} from '../src/crypto/sntrup761/index.js';

const iterations = Number(process.argv[2] ?? 200);

function measure(label: string, fn: () => void): number {
  for (let i = 0; i < Math.min(50, iterations); i++) fn();
  const times: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)]!;
  const p95 = times[Math.floor(times.length * 0.95)]!;
  console.log(`${label.padEnd(44)} median ${median.toFixed(3)} ms   p95 ${p95.toFixed(3)} ms`);
  return median;
}

const client = sntrup761Keygen();
const clientX = generateKeyPairSync('x25519');
const { ciphertext } = sntrup761Encapsulate(client.publicKey);

console.log(`sntrup761, ${iterations} iterations each (node ${process.version})`);
measure('keygen', () => sntrup761Keygen());
const encap = measure('encapsulate (server)', () => sntrup761Encapsulate(client.publicKey));
measure('decapsulate (client)', () => sntrup761Decapsulate(ciphertext, client.secretKey));

const x25519Server = (): Buffer => {
  const own = generateKeyPairSync('x25519');
  return diffieHellman({ privateKey: own.privateKey, publicKey: clientX.publicKey });
};
const curve = measure('curve25519 server: X25519 keygen + derive', () => {
  createHash('sha256').update(x25519Server()).digest();
});
const hybrid = measure('sntrup761x25519 server: encap + X25519 + hash', () => {
  const { sharedSecret } = sntrup761Encapsulate(client.publicKey);
  createHash('sha512').update(sharedSecret).update(x25519Server()).digest();
});
console.log(
  `extra server cost of sntrup761x25519 over curve25519: ${(hybrid - curve).toFixed(3)} ms ` +
    `(encapsulation alone ${encap.toFixed(3)} ms)`,
);
