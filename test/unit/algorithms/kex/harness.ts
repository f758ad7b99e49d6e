import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import type {
  DhEngine,
  HostKeySigner,
  KexAlgorithm,
  KexClientOptions,
  KexResult,
  KexTranscript,
} from '../../../../src/algorithms/types.js';
import { DisconnectError, DisconnectReason } from '../../../../src/protocol/index.js';
import { encodeStrings, WireReader } from '../../../../src/wire/index.js';

/** A fixed transcript (V_C, V_S, I_C, I_S) for in-memory runs. */
export const transcript: KexTranscript = {
  clientVersion: 'SSH-2.0-TestClient_1.0',
  serverVersion: 'SSH-2.0-sshd-kit_0.1.0',
  clientKexInit: Buffer.from('14' + '11'.repeat(16) + '00000004abcd', 'hex'),
  serverKexInit: Buffer.from('14' + '22'.repeat(16) + '00000004dcba', 'hex'),
};

/** A minimal ssh-ed25519 host key (RFC 8709): signer for the server, checker for the client. */
export interface TestHostKey {
  readonly signer: HostKeySigner;
  readonly verifyHostKey: KexClientOptions['verifyHostKey'];
}

/** Builds a test host key from node:crypto; `seed` fixes it (Ed25519 signatures are deterministic). */
export function testHostKey(seed?: Uint8Array): TestHostKey {
  const privateKey = seed
    ? createPrivateKey({
        key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]),
        format: 'der',
        type: 'pkcs8',
      })
    : generateKeyPairSync('ed25519').privateKey;
  const publicKey = createPublicKey(privateKey);
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(12);
  const blob = encodeStrings(Buffer.from('ssh-ed25519'), raw);
  return {
    signer: {
      publicKeyBlob: blob,
      sign: async (data) => encodeStrings(Buffer.from('ssh-ed25519'), sign(null, data, privateKey)),
    },
    verifyHostKey: async (hostKeyBlob, exchangeHash, signatureBlob) => {
      const r = new WireReader(signatureBlob);
      const ok =
        Buffer.from(hostKeyBlob).equals(blob) &&
        r.text() === 'ssh-ed25519' &&
        verify(null, exchangeHash, publicKey, r.bytes());
      if (!ok) throw new DisconnectError(DisconnectReason.HostKeyNotVerifiable, 'bad host key signature');
    },
  };
}

/** Options of {@link runKex}. */
export interface RunOptions {
  readonly hostKey?: TestHostKey;
  readonly serverAlgorithm?: KexAlgorithm;
  readonly serverEngine?: DhEngine;
  readonly clientEngine?: DhEngine;
  readonly groupExchange?: KexClientOptions['groupExchange'];
  /** Rewrites a message in flight (`to` is the receiver). */
  readonly tamper?: (to: 'server' | 'client', payload: Uint8Array, index: number) => Uint8Array;
}

/** What an in-memory run produced. */
export interface RunResult {
  readonly client: KexResult;
  readonly server: KexResult;
  /** Every message in order, with its receiver. */
  readonly messages: { to: 'server' | 'client'; payload: Uint8Array }[];
}

/** Runs `client` (of `algorithm`) against a server (of `serverAlgorithm`, default the same) in memory. */
export async function runKex(algorithm: KexAlgorithm, options: RunOptions = {}): Promise<RunResult> {
  const hostKey = options.hostKey ?? testHostKey();
  const server = (options.serverAlgorithm ?? algorithm).server({
    transcript,
    hostKey: hostKey.signer,
    dhEngine: options.serverEngine,
  });
  const client = algorithm.client({
    transcript,
    verifyHostKey: hostKey.verifyHostKey,
    dhEngine: options.clientEngine,
    groupExchange: options.groupExchange,
  });
  const messages: RunResult['messages'] = [];
  const deliver = (to: 'server' | 'client', payload: Uint8Array): Uint8Array => {
    const p = options.tamper ? options.tamper(to, payload, messages.length) : payload;
    messages.push({ to, payload: p });
    return p;
  };
  let serverResult: KexResult | undefined;
  let clientResult: KexResult | undefined;
  let toServer = [...(await client.start()).send];
  for (let round = 0; !clientResult; round++) {
    if (round > 8) throw new Error('key exchange did not finish');
    const toClient: Uint8Array[] = [];
    for (const m of toServer) {
      const step = await server.handle(deliver('server', m));
      toClient.push(...step.send);
      serverResult ??= step.result;
    }
    toServer = [];
    for (const m of toClient) {
      const step = await client.handle(deliver('client', m));
      toServer.push(...step.send);
      clientResult ??= step.result;
    }
  }
  if (!serverResult) throw new Error('server did not finish');
  return { client: clientResult, server: serverResult, messages };
}

/** Runs `fn` and returns the DisconnectError it throws (fails the test otherwise). */
export async function disconnectOf(fn: () => Promise<unknown>): Promise<DisconnectError> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof DisconnectError) return err;
    throw err;
  }
  throw new Error('expected a DisconnectError');
}
