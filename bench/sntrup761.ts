/**
 * Cost of sntrup761 and of the sntrup761x25519-sha512 server side against curve25519-sha256.
 * Run: npx tsx bench/sntrup761.ts [iterations]
 */
import { createHash, diffieHellman, generateKeyPairSync, sign } from 'node:crypto';
import { curve25519Sha256 } from '../src/algorithms/kex/curve25519.js';
import { KexEcdhInit, KexHybridInit } from '../src/algorithms/kex/messages.js';
import { sntrup761X25519Sha512OpenSsh } from '../src/algorithms/kex/sntrup.js';
import type { HostKeySigner, KexAlgorithm, KexTranscript } from '../src/algorithms/types.js';
import {
  sntrup761Decapsulate,
  sntrup761Encapsulate,
  sntrup761Keygen,
} from '../src/crypto/sntrup761/index.js';

const iterations = Number(process.argv[2] ?? 200);

async function measure(label: string, fn: () => unknown): Promise<number> {
  for (let i = 0; i < Math.min(50, iterations); i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t0 = performance.now();
    await fn();
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
await measure('keygen', () => sntrup761Keygen());
const encap = await measure('encapsulate (server)', () => sntrup761Encapsulate(client.publicKey));
await measure('decapsulate (client)', () => sntrup761Decapsulate(ciphertext, client.secretKey));

const x25519Server = (): Buffer => {
  const own = generateKeyPairSync('x25519');
  return diffieHellman({ privateKey: own.privateKey, publicKey: clientX.publicKey });
};
const curve = await measure('curve25519 server: X25519 keygen + derive', () => {
  createHash('sha256').update(x25519Server()).digest();
});
const hybrid = await measure('sntrup761x25519 server: encap + X25519 + hash', () => {
  const { sharedSecret } = sntrup761Encapsulate(client.publicKey);
  createHash('sha512').update(sharedSecret).update(x25519Server()).digest();
});
console.log(
  `extra server cost of sntrup761x25519 over curve25519: ${(hybrid - curve).toFixed(3)} ms ` +
    `(encapsulation alone ${encap.toFixed(3)} ms)`,
);

// The whole server side of the key exchange message (H, Ed25519 signature over it, reply encoding).
const hostKey = generateKeyPairSync('ed25519');
const signer: HostKeySigner = {
  publicKeyBlob: new Uint8Array(51),
  sign: async (data) => sign(null, data, hostKey.privateKey),
};
const transcript: KexTranscript = {
  clientVersion: 'SSH-2.0-OpenSSH_9.2p1',
  serverVersion: 'SSH-2.0-sshd-kit',
  clientKexInit: new Uint8Array(200),
  serverKexInit: new Uint8Array(200),
};
const serverStep = (kex: KexAlgorithm, payload: Uint8Array) => () =>
  kex.server({ transcript, hostKey: signer }).handle(payload);
const curveInit = KexEcdhInit.encode({
  clientPublicKey: clientX.publicKey.export({ format: 'der', type: 'spki' }).subarray(12),
});
const hybridInit = KexHybridInit.encode({
  clientInit: Buffer.concat([
    client.publicKey,
    clientX.publicKey.export({ format: 'der', type: 'spki' }).subarray(12),
  ]),
});
const curveKex = await measure(
  'curve25519-sha256: server KEX_ECDH_INIT -> REPLY',
  serverStep(curve25519Sha256, curveInit),
);
const sntrupKex = await measure(
  'sntrup761x25519-sha512: server KEX_ECDH_INIT -> REPLY',
  serverStep(sntrup761X25519Sha512OpenSsh, hybridInit),
);
console.log(
  `handshake cost to the server, sntrup761x25519 minus curve25519: ${(sntrupKex - curveKex).toFixed(3)} ms`,
);
