import { connect, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { KexInit } from '../../src/kex/messages.js';
import { Disconnect } from '../../src/transport/messages.js';
import { PacketReader, PacketWriter } from '../../src/transport/framer.js';
import { IdentificationReader } from '../../src/transport/version.js';

/**
 * A peer that speaks only the plaintext start of the protocol, byte by byte as a test dictates:
 * for abuse cases before keys exist (banners, framing, strict KEX). Collects what the server sends.
 */
export class PlainPeer {
  readonly socket: Socket;
  private readonly ident = new IdentificationReader('server');
  private readonly reader = new PacketReader();
  private readonly writer = new PacketWriter();
  private banner: string | undefined;
  /** Plaintext payloads received from the server. */
  readonly received: Buffer[] = [];
  /** Raw bytes received (including text the server may send before closing). */
  readonly raw: Buffer[] = [];
  readonly closed: Promise<void>;

  /** `localAddress`: the loopback address to connect from (127.0.0.1 when absent). */
  constructor(port: number, localAddress?: string) {
    this.socket = connect({
      port,
      host: '127.0.0.1',
      ...(localAddress === undefined ? {} : { localAddress }),
    });
    this.socket.on('error', () => undefined);
    this.closed = new Promise((resolve) => this.socket.on('close', () => resolve()));
    this.socket.on('data', (d: Buffer) => {
      this.raw.push(d);
      let rest: Buffer = d;
      if (this.banner === undefined) {
        const got = this.ident.push(d);
        if (!got) return;
        this.banner = got.identification.line;
        rest = got.rest;
      }
      this.reader.push(rest);
      try {
        for (let p = this.reader.next(); p; p = this.reader.next()) this.received.push(Buffer.from(p));
      } catch {
        // The server may stop making sense once it has switched keys; tests look at what came before.
      }
    });
  }

  /** The server's identification line, once received. */
  get serverIdentification(): string | undefined {
    return this.banner;
  }

  /** Writes raw bytes. */
  write(data: Buffer | string): void {
    this.socket.write(data);
  }

  /** Writes a plaintext packet carrying `payload`. */
  sendPacket(payload: Uint8Array): void {
    this.socket.write(this.writer.write(payload));
  }

  /** The reason code of a DISCONNECT the server sent, if any. */
  disconnectReason(): number | undefined {
    const d = this.received.find((p) => p[0] === 1);
    return d ? Disconnect.decode(d).reasonCode : undefined;
  }

  /** Waits until the server closes the connection (or `ms` passes; then throws). */
  async waitClosed(ms = 10_000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.closed,
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('server did not close')), ms))),
    ]);
    clearTimeout(timer);
  }
}

/** A client KEXINIT payload; strict KEX and the algorithm lists can be chosen. */
export function clientKexInit(options: { strict?: boolean; kex?: string[]; cipher?: string[] } = {}): Buffer {
  const kex = options.kex ?? ['curve25519-sha256'];
  return KexInit.encode({
    cookie: randomBytes(16),
    kexAlgorithms: [
      ...kex,
      'ext-info-c',
      ...(options.strict === false ? [] : ['kex-strict-c-v00@openssh.com']),
    ],
    serverHostKeyAlgorithms: ['ssh-ed25519'],
    encryptionAlgorithmsClientToServer: options.cipher ?? ['aes128-gcm@openssh.com'],
    encryptionAlgorithmsServerToClient: options.cipher ?? ['aes128-gcm@openssh.com'],
    macAlgorithmsClientToServer: ['hmac-sha2-256'],
    macAlgorithmsServerToClient: ['hmac-sha2-256'],
    compressionAlgorithmsClientToServer: ['none'],
    compressionAlgorithmsServerToClient: ['none'],
    languagesClientToServer: [],
    languagesServerToClient: [],
    firstKexPacketFollows: false,
    reserved: 0,
  });
}
