import type { KexInit } from './messages.js';

/** Pseudo-algorithms that only signal capabilities in kex_algorithms (never negotiated as a method). */
export const ExtInfoClient = 'ext-info-c';
export const ExtInfoServer = 'ext-info-s';
export const StrictKexClient = 'kex-strict-c-v00@openssh.com';
export const StrictKexServer = 'kex-strict-s-v00@openssh.com';
const pseudoKex = new Set([ExtInfoClient, ExtInfoServer, StrictKexClient, StrictKexServer]);

/** The algorithms chosen for one key exchange (RFC 4253 §7.1). */
export interface NegotiatedAlgorithms {
  readonly kex: string;
  readonly hostKey: string;
  readonly cipherClientToServer: string;
  readonly cipherServerToClient: string;
  /** Undefined where the cipher is AEAD (no MAC is used). */
  readonly macClientToServer: string | undefined;
  readonly macServerToClient: string | undefined;
  readonly compressionClientToServer: string;
  readonly compressionServerToClient: string;
}

/** Which field of KEXINIT a negotiation failure concerns. */
export type NegotiationField =
  | 'kex'
  | 'host key'
  | 'cipher client->server'
  | 'cipher server->client'
  | 'mac client->server'
  | 'mac server->client'
  | 'compression client->server'
  | 'compression server->client';

/** No algorithm in common for one field; lists both sides so an admin can see why (RFC 4253 §7.1). */
export class AlgorithmNegotiationError extends Error {
  override readonly name = 'AlgorithmNegotiationError';
  constructor(
    readonly field: NegotiationField,
    readonly client: readonly string[],
    readonly server: readonly string[],
  ) {
    super(
      `no matching ${field} algorithm: client offered [${client.join(',')}], server offered [${server.join(',')}]`,
    );
  }
}

/** Facts about algorithms the negotiator needs but cannot see in names. */
export interface NegotiationHints {
  /** Whether a cipher name is AEAD (then no MAC is negotiated for that direction). */
  isAead(cipher: string): boolean;
}

/**
 * Picks the algorithms for a key exchange: for each field, the first of the client's list that the
 * server also offers (RFC 4253 §7.1). A pure function; throws {@link AlgorithmNegotiationError}.
 */
export function negotiate(client: KexInit, server: KexInit, hints: NegotiationHints): NegotiatedAlgorithms {
  // Returns the server's copy of the name: on a server, the offer's own string, where the
  // client's is a slice that keeps its whole name-list alive as long as the connection holds it.
  const pick = (field: NegotiationField, c: readonly string[], s: readonly string[]): string => {
    for (const name of c) {
      const i = s.indexOf(name);
      if (i >= 0) return s[i]!;
    }
    throw new AlgorithmNegotiationError(field, c, s);
  };
  const kex = pick(
    'kex',
    client.kexAlgorithms.filter((n) => !pseudoKex.has(n)),
    server.kexAlgorithms.filter((n) => !pseudoKex.has(n)),
  );
  const hostKey = pick('host key', client.serverHostKeyAlgorithms, server.serverHostKeyAlgorithms);
  const cipherClientToServer = pick(
    'cipher client->server',
    client.encryptionAlgorithmsClientToServer,
    server.encryptionAlgorithmsClientToServer,
  );
  const cipherServerToClient = pick(
    'cipher server->client',
    client.encryptionAlgorithmsServerToClient,
    server.encryptionAlgorithmsServerToClient,
  );
  const macClientToServer = hints.isAead(cipherClientToServer)
    ? undefined
    : pick('mac client->server', client.macAlgorithmsClientToServer, server.macAlgorithmsClientToServer);
  const macServerToClient = hints.isAead(cipherServerToClient)
    ? undefined
    : pick('mac server->client', client.macAlgorithmsServerToClient, server.macAlgorithmsServerToClient);
  return {
    kex,
    hostKey,
    cipherClientToServer,
    cipherServerToClient,
    macClientToServer,
    macServerToClient,
    compressionClientToServer: pick(
      'compression client->server',
      client.compressionAlgorithmsClientToServer,
      server.compressionAlgorithmsClientToServer,
    ),
    compressionServerToClient: pick(
      'compression server->client',
      client.compressionAlgorithmsServerToClient,
      server.compressionAlgorithmsServerToClient,
    ),
  };
}

/**
 * Whether the peer's guessed first KEX packet (first_kex_packet_follows) must be ignored: the guess
 * is right only if the first kex and host key algorithms of both lists match (RFC 4253 §7).
 */
export function guessWasWrong(client: KexInit, server: KexInit, chosen: NegotiatedAlgorithms): boolean {
  const firstReal = (list: readonly string[]) => list.find((n) => !pseudoKex.has(n));
  return (
    firstReal(client.kexAlgorithms) !== chosen.kex ||
    firstReal(server.kexAlgorithms) !== chosen.kex ||
    client.serverHostKeyAlgorithms[0] !== chosen.hostKey ||
    server.serverHostKeyAlgorithms[0] !== chosen.hostKey
  );
}
