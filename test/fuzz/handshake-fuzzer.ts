import { createDefaultRegistries } from '../../src/algorithms/defaults.js';
import type { SignatureAlgorithm } from '../../src/algorithms/types.js';
import {
  KeyboardInteractiveFields,
  PasswordFields,
  PublicKeyFields,
  UserauthRequest,
} from '../../src/auth/messages.js';
import { KexInit } from '../../src/kex/messages.js';
import { Msg } from '../../src/protocol/numbers.js';
import { WireWriter } from '../../src/wire/index.js';
import { PlainPeer } from '../helpers/plain-peer.js';
import { signCertificate } from '../helpers/certificates.js';
import { signedPublicKeyRequest } from '../helpers/raw-auth.js';
import { RawClient } from '../helpers/raw-client.js';
import type { Dice } from './dice.js';
import { PROXY_V2_SIGNATURE } from '../../src/server/proxy-protocol.js';
import { PROXY_ADDRESS, type FuzzWorld } from './world.js';

/** x25519 public values of small order and other edges (RFC 7748 §5, RFC 8731 §3). */
const X25519_EDGES = [
  Buffer.alloc(32),
  Buffer.from('01'.padEnd(64, '0'), 'hex'),
  Buffer.from('ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', 'hex'),
  Buffer.from('e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800', 'hex'),
  Buffer.alloc(32, 0xff),
];

/** Values of the DH public `e` that must be refused (RFC 4253 §8): 0, 1, and past the group. */
const DH_EDGES = [0n, 1n, -1n, 2n, (1n << 2048n) - 1n, 1n << 4096n, 1n << 8200n];

/**
 * A peer that never finishes a key exchange properly (RFC 4253 §4–8): odd identification lines,
 * KEXINITs random or damaged, key-exchange messages with public values of every wrong length and
 * of small order, messages of the wrong phase, and garbage framing.
 */
export async function fuzzKeyExchange(
  world: FuzzWorld,
  d: Dice,
  trace: string[],
  stats: AuthFuzzStats,
): Promise<void> {
  const registries = createDefaultRegistries();
  const proxied = d.chance(0.25);
  const peer = new PlainPeer(world.port, proxied ? PROXY_ADDRESS : undefined);
  await new Promise((resolve) => peer.socket.once('connect', resolve));
  if (proxied) {
    await sendProxyHeader(peer, d, trace);
    stats.proxyHeaders++;
  }
  const ident = d.chance(0.9)
    ? 'SSH-2.0-fuzz\r\n'
    : d.pick([
        'SSH-1.5-old\r\n',
        'junk line\r\nSSH-2.0-x\r\n',
        `SSH-2.0-${'x'.repeat(300)}\r\n`,
        'SSH-2.0-a\0b\r\n',
        'SSH-2.0-x\n',
      ]);
  peer.write(ident);
  trace.push(`ident ${JSON.stringify(ident)}`);
  const kex = d.pick(registries.kex.names('all'));
  const kexInit = KexInit.encode({
    cookie: d.bytes(16),
    kexAlgorithms: d.chance(0.9)
      ? [kex, 'ext-info-c', 'kex-strict-c-v00@openssh.com']
      : [d.bytes(8).toString('hex')],
    serverHostKeyAlgorithms: [d.pick(registries.hostKey.names('all'))],
    encryptionAlgorithmsClientToServer: [d.pick(registries.cipher.names('all'))],
    encryptionAlgorithmsServerToClient: [d.pick(registries.cipher.names('all'))],
    macAlgorithmsClientToServer: [d.pick(registries.mac.names('all'))],
    macAlgorithmsServerToClient: [d.pick(registries.mac.names('all'))],
    compressionAlgorithmsClientToServer: ['none'],
    compressionAlgorithmsServerToClient: [d.pick(['none', 'zlib@openssh.com', 'bogus'])],
    languagesClientToServer: [],
    languagesServerToClient: d.chance(0.9) ? [] : ['en'],
    firstKexPacketFollows: d.chance(0.1),
    reserved: d.chance(0.9) ? 0 : d.u32(),
  });
  if (d.chance(0.05))
    peer.sendPacket(Buffer.from([d.pick([Msg.Ignore, Msg.ServiceRequest, Msg.NewKeys, 30, 50, 90])]));
  peer.sendPacket(d.chance(0.1) ? d.mangle(kexInit) : kexInit);
  trace.push(`kexinit ${kex}`);
  await new Promise((resolve) => setTimeout(resolve, 5));
  for (let i = 0; i < 1 + d.int(3) && !peer.socket.destroyed; i++) {
    const message = keyExchangeMessage(d, kex);
    peer.sendPacket(message);
    trace.push(`kex message ${message[0]} of ${message.length} bytes`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  if (d.chance(0.2)) {
    peer.write(d.bytes(d.pick([1, 5, 64, 40_000])));
    trace.push('garbage');
  }
  await new Promise((resolve) => setTimeout(resolve, 20));
  peer.socket.destroy();
}

/**
 * As a load balancer would (HAProxy's proxy-protocol.txt): a v1 or v2 header, usually valid, now
 * and then damaged or cut short, in pieces of random sizes.
 */
async function sendProxyHeader(peer: PlainPeer, d: Dice, trace: string[]): Promise<void> {
  let header: Buffer;
  if (d.chance(0.5)) {
    const v6 = d.chance(0.3);
    const address = () =>
      v6
        ? Array.from({ length: 8 }, () => d.int(0x10000).toString(16)).join(':')
        : Array.from(d.bytes(4)).join('.');
    header = d.chance(0.1)
      ? Buffer.from(`PROXY UNKNOWN ${d.bytes(d.int(60)).toString('hex')}\r\n`)
      : Buffer.from(
          `PROXY ${v6 ? 'TCP6' : 'TCP4'} ${address()} ${address()} ${d.int(65536)} ${d.int(65536)}\r\n`,
        );
  } else {
    const family = d.pick([0x11, 0x21, 0x00, 0x31, 0x12]);
    const size = { 0x11: 12, 0x21: 36, 0x00: 0, 0x31: 216, 0x12: 12 }[family]!;
    const block = d.bytes(size + d.pick([0, 0, 3, 200]));
    const fixed = Buffer.from([d.chance(0.9) ? 0x21 : d.pick([0x20, 0x22, 0x11]), family, 0, 0]);
    fixed.writeUInt16BE(block.length, 2);
    header = Buffer.concat([PROXY_V2_SIGNATURE, fixed, block]);
  }
  if (d.chance(0.15)) header = d.mangle(header, 0);
  trace.push(`proxy header ${header.subarray(0, 60).toString('hex')} (${header.length} bytes)`);
  for (let at = 0; at < header.length && !peer.socket.destroyed;) {
    const piece = header.subarray(at, (at += 1 + d.int(d.chance(0.3) ? 4 : header.length)));
    peer.write(piece);
    if (d.chance(0.3)) await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

function keyExchangeMessage(d: Dice, kex: string): Buffer {
  const w = new WireWriter();
  const roll = d.int(10);
  if (roll === 0)
    return w
      .byte(d.pick([Msg.NewKeys, Msg.KexInit, 31, 33, 35, 49, 50, 94]))
      .raw(d.bytes(d.int(40)))
      .finish();
  if (kex.startsWith('diffie-hellman-group-exchange')) {
    if (roll < 4)
      return w
        .byte(Msg.KexDhGexRequest)
        .u32(d.pick([0, 1024, 2048, 8192, d.u32()]))
        .u32(d.pick([2048, 4096, d.u32()]))
        .u32(d.pick([8192, 0, d.u32()]))
        .finish();
    if (roll < 5)
      return w
        .byte(Msg.KexDhGexRequestOld)
        .u32(d.pick([2048, d.u32()]))
        .finish();
    return w
      .byte(Msg.KexDhGexInit)
      .mpint(d.chance(0.5) ? d.pick(DH_EDGES) : BigInt(`0x${d.bytes(256).toString('hex')}`))
      .finish();
  }
  if (kex.startsWith('diffie-hellman')) {
    return w
      .byte(Msg.KexdhInit)
      .mpint(
        d.chance(0.5)
          ? d.pick(DH_EDGES)
          : BigInt(`0x${d.bytes(d.pick([1, 128, 256, 512, 1024])).toString('hex')}`),
      )
      .finish();
  }
  // ECDH and the hybrids: one string, the client's public value (or KEM share || x25519 key).
  const length = d.pick([0, 1, 31, 32, 33, 65, 97, 133, 1158 + 32, 1184 + 32, 5000]);
  const value = length === 32 && d.chance(0.5) ? d.pick(X25519_EDGES) : d.bytes(length);
  return w.byte(Msg.KexEcdhInit).bytes(value).finish();
}

/** How far the handshake peers reached: PROXY headers, certificates. */
export interface AuthFuzzStats {
  /** PROXY protocol headers the key-exchange peer sent first (from the trusted proxy address). */
  proxyHeaders: number;
  /** Certificates offered (queries and signed requests). */
  certificates: number;
  /** Signed certificate requests the server accepted. */
  certificateLogins: number;
}

/** Fresh {@link AuthFuzzStats}. */
export const authFuzzStats = (): AuthFuzzStats => ({
  proxyHeaders: 0,
  certificates: 0,
  certificateLogins: 0,
});

/**
 * A peer that completes the key exchange, then misbehaves in user authentication (RFC 4252,
 * RFC 4256): wrong services and users, every method with random and damaged fields, public keys
 * unknown or malformed, signatures over the wrong data, keyboard-interactive answers of the wrong
 * count, messages of the wrong phase; now and then it logs in for real, which ends its turn.
 */
export async function fuzzAuthentication(
  world: FuzzWorld,
  d: Dice,
  trace: string[],
  stats: AuthFuzzStats = authFuzzStats(),
): Promise<void> {
  const client = new RawClient(world.port);
  try {
    await client.established;
  } catch {
    return;
  }
  const sessionId = client.transport.sessionId!;
  if (d.chance(0.05)) {
    const w = new WireWriter().byte(Msg.ServiceRequest).text(d.pick(['ssh-connection', '', 'bogus']));
    client.transport.send(w.finish());
    trace.push('service request (wrong)');
  } else {
    try {
      await client.requestService('ssh-userauth');
    } catch {
      return;
    }
  }
  const registries = createDefaultRegistries();
  const userKey = world.key;
  const signer = registries.hostKey.get('ssh-ed25519') as SignatureAlgorithm;
  for (let i = 0; i < 12 && client.transport.isOpen; i++) {
    const user = d.chance(0.7)
      ? 'alice'
      : d.pick(['root', '', 'nobody', 'x'.repeat(300), 'al\0ice', '\u00e9']);
    const service = d.chance(0.95) ? 'ssh-connection' : d.pick(['', 'ssh-userauth', 'bogus']);
    const method = d.pick([
      'none',
      'password',
      'publickey',
      'publickey',
      'keyboard-interactive',
      'hostbased',
      'gssapi-with-mic',
      'bogus',
    ]);
    let fields: Uint8Array;
    if (method === 'password') {
      fields = PasswordFields.encode({
        changePassword: d.chance(0.2),
        password: Buffer.from(d.chance(0.2) ? 'pw' : d.pick(['', 'wrong', 'x'.repeat(2000)])),
        newPassword: Buffer.from(d.chance(0.5) ? '' : 'new'),
      });
    } else if (method === 'publickey') {
      if (d.chance(0.4)) {
        const { blob, algorithm } = certificateOffer(d, world);
        stats.certificates++;
        // Our key is Ed25519: only that certificate algorithm can sign for it.
        const certAlgorithm = registries.hostKey.get(algorithm);
        if (certAlgorithm?.certified?.keyType === userKey.type && d.chance(0.5)) {
          client.transport.send(signedPublicKeyRequest(user, userKey, certAlgorithm, sessionId, blob));
          trace.push(`publickey certificate (${algorithm}) signed as ${JSON.stringify(user)}`);
          const reply = await answer(client);
          if (reply?.[0] === Msg.UserauthSuccess) {
            stats.certificateLogins++;
            break;
          }
          if (!reply && client.transport.isOpen) throw new Error(`no answer to ${trace.at(-1)}`);
          continue;
        }
        fields = PublicKeyFields.encode({
          hasSignature: false,
          algorithm,
          publicKey: blob,
          rest: new Uint8Array(0),
        });
      } else {
        if (d.chance(0.15)) {
          client.transport.send(
            signedPublicKeyRequest(user, userKey, signer, d.chance(0.7) ? sessionId : d.bytes(32)),
          );
          trace.push(`publickey signed as ${JSON.stringify(user)}`);
          const reply = await answer(client);
          if (reply?.[0] === Msg.UserauthSuccess) break;
          continue;
        }
        const blob = d.chance(0.6)
          ? Buffer.from(userKey.publicKey.blob)
          : d.chance(0.5)
            ? d.mangle(Buffer.from(userKey.publicKey.blob))
            : d.bytes(d.int(100));
        const algorithm = d.pick([
          ...registries.hostKey.names('all'),
          'ssh-ed25519-cert-v01@openssh.com',
          'bogus',
          '',
        ]);
        const hasSignature = d.chance(0.5);
        fields = PublicKeyFields.encode({
          hasSignature,
          algorithm,
          publicKey: blob,
          rest: hasSignature
            ? new WireWriter()
                .bytes(
                  d.chance(0.5)
                    ? d.bytes(d.pick([0, 64, 83]))
                    : new WireWriter().text(algorithm).bytes(d.bytes(64)).finish(),
                )
                .finish()
            : new Uint8Array(0),
        });
      }
    } else if (method === 'keyboard-interactive') {
      fields = KeyboardInteractiveFields.encode({
        languageTag: '',
        submethods: d.pick(['', 'pam', 'x'.repeat(500)]),
      });
    } else fields = d.bytes(d.int(60));
    let request = UserauthRequest.encode({
      userName: user,
      serviceName: service,
      methodName: method,
      methodFields: fields,
    });
    if (d.chance(0.05)) request = d.mangle(request);
    client.transport.send(request);
    trace.push(`${method} as ${JSON.stringify(user)}`);
    let reply = await answer(client);
    if (reply?.[0] === Msg.UserauthInfoRequest) {
      const count = d.chance(0.6) ? 1 : d.pick([0, 2, 101, 0xffffffff]);
      const w = new WireWriter().byte(Msg.UserauthInfoResponse).u32(count);
      for (let k = 0; k < Math.min(count, 3); k++) w.text(d.chance(0.5) ? 'pw' : 'wrong');
      client.transport.send(d.chance(0.1) ? d.mangle(w.finish()) : w.finish());
      trace.push(`info response of ${count}`);
      reply = await answer(client);
    }
    if (reply?.[0] === Msg.UserauthSuccess) break;
    if (!reply && client.transport.isOpen) throw new Error(`no answer to ${trace.at(-1)}`);
    if (d.chance(0.03)) {
      const stray = d.pick([
        Msg.UserauthInfoResponse,
        Msg.GlobalRequest,
        Msg.ChannelOpen,
        Msg.ChannelData,
        Msg.UserauthSuccess,
        Msg.KexInit,
      ]);
      client.transport.send(Buffer.concat([Buffer.from([stray]), d.bytes(d.int(30))]));
      trace.push(`stray ${stray}`);
    }
  }
  client.close();
}

/** The server's answer to an auth request, or undefined when none came in time. */
async function answer(client: RawClient): Promise<Buffer | undefined> {
  try {
    let reply = await client.next(2000);
    while (reply?.[0] === Msg.UserauthBanner) reply = await client.next(2000);
    return reply;
  } catch {
    return undefined;
  }
}

/** An offer of a certificate of the world's key: mostly well signed by its CA, with odd fields. */
function certificateOffer(d: Dice, world: FuzzWorld): { blob: Buffer; algorithm: string } {
  const now = BigInt(Math.floor(Date.now() / 1000));
  const forever = 0xffffffffffffffffn;
  const option = (name: string, value?: string) => (value === undefined ? { name } : { name, value });
  const fields = {
    nonce: d.bytes(d.pick([0, 16, 32])),
    serial: d.pick([0n, 1n, 7n, forever]),
    role: d.chance(0.9) ? ('user' as const) : ('host' as const),
    keyId: d.pick(['alice@laptop', '', 'x'.repeat(300), 'bad\n\u001b[31mid']),
    principals: d.chance(0.7)
      ? ['alice']
      : d.pick([[], ['bob'], ['alice', 'alice'], ['', 'alice'], Array.from({ length: 300 }, () => 'p')]),
    validAfter: d.pick([0n, 0n, now + 3600n, forever]),
    validBefore: d.pick([forever, forever, 1n, now - 1n, now + 3600n]),
    criticalOptions: d.chance(0.6)
      ? []
      : [
          d.pick([
            option('force-command', 'echo certified'),
            option('force-command'),
            option(
              'source-address',
              d.pick(['127.0.0.1/32', '10.0.0.0/8', '::1', 'bogus', '127.0.0.1/99', '']),
            ),
            option('verify-required'),
            option('unknown@example.com', 'x'),
          ]),
        ],
    extensions: d.chance(0.5)
      ? [option('permit-pty'), option('permit-port-forwarding')]
      : d.pick([[], [option('permit-X11-forwarding'), option('unknown@example.com', 'v')]]),
  };
  const ca = d.chance(0.85) ? world.ca : world.key;
  const caAlgorithm = d.chance(0.9) ? 'ssh-ed25519' : 'ssh-rsa';
  let blob: Buffer;
  try {
    blob = Buffer.from(signCertificate(ca, world.key.publicKey, fields, caAlgorithm));
  } catch {
    // The CA cannot sign with that algorithm (an Ed25519 key as ssh-rsa): a signature of garbage.
    blob = Buffer.from(signCertificate(ca, world.key.publicKey, fields));
    blob = d.mangle(blob, blob.length - 20);
  }
  if (d.chance(0.15)) blob = d.mangle(blob, d.int(blob.length));
  const algorithm = d.chance(0.85)
    ? 'ssh-ed25519-cert-v01@openssh.com'
    : d.pick(['ssh-rsa-cert-v01@openssh.com', 'rsa-sha2-512-cert-v01@openssh.com', 'ssh-ed25519']);
  return { blob, algorithm };
}
