import { WireWriter } from '../../wire/index.js';
import type {
  KexAlgorithm,
  KexClientExchange,
  KexClientOptions,
  KexServerExchange,
  KexServerOptions,
  KexStep,
} from '../types.js';
import { bitLength, dhValueInRange } from './dh-engine.js';
import { dhAgreement } from './dh-group-kex.js';
import { gexGroups, type DhGroup } from './dh-groups.js';
import { computeExchangeHash } from './exchange-hash.js';
import { kexFailed, kexOutOfOrder } from './kex-errors.js';
import { DH_GEX_CONTEXT, KexDhGexGroup, KexDhGexInit, KexDhGexReply, KexDhGexRequest } from './messages.js';
import type { AgreementClient } from './one-round-kex.js';
import { secureRandom, type RandomSource } from './random.js';

/** Smallest group a server offers or a client accepts by default (OpenSSH DH_GRP_MIN). */
export const GEX_MIN_BITS = 2048;
/** Largest group (OpenSSH DH_GRP_MAX). */
export const GEX_MAX_BITS = 8192;
/** What our client asks for unless told otherwise. */
const DEFAULT_REQUEST = { min: GEX_MIN_BITS, n: 3072, max: GEX_MAX_BITS } as const;

type GexRequest = { readonly min: number; readonly n: number; readonly max: number };

/**
 * Picks a group for a client's (min, n, max) as OpenSSH's server does (kexgexs.c): the request
 * must satisfy min <= n <= max and max >= 2048; each bound is then clamped to [2048, 8192]; the
 * smallest group of at least n bits within [min, max] wins, else the largest one below n.
 */
export function chooseGexGroup(request: GexRequest, groups: readonly DhGroup[], what: string): DhGroup {
  const { min, n, max } = request;
  if (max < min || n < min || max < n || max < GEX_MIN_BITS) {
    throw kexFailed(`${what}: group size request ${min}/${n}/${max} is out of range`);
  }
  const lo = Math.max(GEX_MIN_BITS, min);
  const hi = Math.min(GEX_MAX_BITS, max);
  const want = Math.min(GEX_MAX_BITS, Math.max(GEX_MIN_BITS, n));
  const fits = groups.filter((g) => g.bits >= lo && g.bits <= hi).sort((a, b) => a.bits - b.bits);
  const chosen = fits.find((g) => g.bits >= want) ?? fits.at(-1);
  if (!chosen) throw kexFailed(`${what}: no group between ${lo} and ${hi} bits`);
  return chosen;
}

/** H's method fields for group exchange (RFC 4419 §3): min, n, max, p, g, e, f. */
function gexFields(
  request: GexRequest,
  group: { prime: Uint8Array; generator: Uint8Array },
  e: Uint8Array,
  f: Uint8Array,
): Buffer {
  const w = new WireWriter({ initialSize: 3 * group.prime.length + 64 });
  w.u32(request.min).u32(request.n).u32(request.max);
  w.mpintUnsigned(group.prime).mpintUnsigned(group.generator).mpintUnsigned(e).mpintUnsigned(f);
  return w.finish();
}

/** Options of {@link createDhGexKex}. */
export interface DhGexKexOptions {
  /** Groups the server offers (default: RFC 3526 groups 14–18). */
  readonly groups?: () => readonly DhGroup[];
  /** Source of the private exponents (default: node:crypto). */
  readonly random?: RandomSource;
}

/**
 * Diffie-Hellman group exchange (RFC 4419): the client asks for a group size, the server answers
 * with a safe prime, then a Diffie-Hellman exchange over it (messages 34, 31, 32, 33). The old
 * SSH_MSG_KEX_DH_GEX_REQUEST_OLD (30) is refused, as OpenSSH's server does.
 */
export function createDhGexKex(
  name: string,
  hash: KexAlgorithm['hash'],
  options: DhGexKexOptions = {},
): KexAlgorithm {
  const groups = options.groups ?? gexGroups;
  const random = options.random ?? secureRandom;
  return {
    name,
    hash,
    messageContext: DH_GEX_CONTEXT,
    server: (opts: KexServerOptions): KexServerExchange => {
      let request: GexRequest | undefined;
      let group: DhGroup | undefined;
      let done = false;
      return {
        async handle(payload): Promise<KexStep> {
          if (done) throw kexOutOfOrder(name);
          if (!request) {
            const r = KexDhGexRequest.decode(payload);
            group = chooseGexGroup(r, groups(), name);
            request = { min: r.min, n: r.n, max: r.max };
            return { send: [KexDhGexGroup.encode({ p: group.prime, g: group.generator })] };
          }
          done = true;
          const chosen = group!;
          const e = Buffer.from(KexDhGexInit.decode(payload).e);
          const { publicValue: f, sharedSecret } = await dhAgreement(name, chosen, random).server(
            e,
            opts.dhEngine,
          );
          const hostKeyBlob = opts.hostKey.publicKeyBlob;
          const fields = gexFields(request, chosen, e, f);
          const exchangeHash = computeExchangeHash(hash, opts.transcript, hostKeyBlob, fields, sharedSecret);
          const signature = await opts.hostKey.sign(exchangeHash);
          return {
            send: [KexDhGexReply.encode({ hostKey: hostKeyBlob, f, signature })],
            result: { sharedSecret, exchangeHash, hostKeyBlob },
          };
        },
      };
    },
    client: (opts: KexClientOptions): KexClientExchange => {
      const request: GexRequest = opts.groupExchange ?? DEFAULT_REQUEST;
      let state: 'new' | 'requested' | 'sent-init' | 'done' = 'new';
      let group: { prime: Buffer; generator: Buffer } | undefined;
      let mine: AgreementClient | undefined;
      return {
        async start(): Promise<KexStep> {
          if (state !== 'new') throw kexOutOfOrder(name);
          state = 'requested';
          return { send: [KexDhGexRequest.encode(request)] };
        },
        async handle(payload): Promise<KexStep> {
          if (state === 'requested') {
            const m = KexDhGexGroup.decode(payload);
            const prime = Buffer.from(m.p);
            const generator = Buffer.from(m.g);
            const bits = bitLength(prime);
            if (bits < request.min || bits > request.max || (prime[prime.length - 1]! & 1) === 0) {
              throw kexFailed(
                `${name}: server offered a ${bits}-bit group outside ${request.min}..${request.max}`,
              );
            }
            if (!dhValueInRange(generator, prime)) throw kexFailed(`${name}: server offered a bad generator`);
            group = { prime, generator };
            const dhGroup: DhGroup = { name: 'gex', bits, prime, generator };
            mine = await dhAgreement(name, dhGroup, random).client(opts.dhEngine);
            state = 'sent-init';
            return { send: [KexDhGexInit.encode({ e: mine.publicValue })] };
          }
          if (state !== 'sent-init') throw kexOutOfOrder(name);
          state = 'done';
          const m = KexDhGexReply.decode(payload);
          const reply = {
            hostKey: Buffer.from(m.hostKey),
            f: Buffer.from(m.f),
            signature: Buffer.from(m.signature),
          };
          const sharedSecret = await mine!.finish(reply.f);
          const fields = gexFields(request, group!, mine!.publicValue, reply.f);
          const exchangeHash = computeExchangeHash(
            hash,
            opts.transcript,
            reply.hostKey,
            fields,
            sharedSecret,
          );
          await opts.verifyHostKey(reply.hostKey, exchangeHash, reply.signature);
          return { send: [], result: { sharedSecret, exchangeHash, hostKeyBlob: reply.hostKey } };
        },
      };
    },
  };
}

/** diffie-hellman-group-exchange-sha256 (RFC 4419 §4.2). */
export const dhGexSha256 = createDhGexKex('diffie-hellman-group-exchange-sha256', 'sha256');
