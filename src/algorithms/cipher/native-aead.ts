import type { AeadPacketCipher, GatheredBytes } from '../types.js';
import { macError } from './aead-errors.js';
import type { NativeCipherHandle, NativePacketCrypto } from './native.js';

const TAG_LENGTH = 16;

/**
 * What the AEAD ciphers on the native module share: their OpenSSL contexts behind one handle,
 * incoming packets decrypted over their own bytes or, when given in pieces, into a buffer the
 * caller gives (MAC_ERROR when the tag does not verify), and sealing into a buffer the caller
 * gives, or a new one.
 */
export abstract class NativeAeadPacketCipher implements AeadPacketCipher {
  readonly tagLength = TAG_LENGTH;

  protected constructor(
    protected readonly name: string,
    protected readonly native: NativePacketCrypto,
    protected readonly handle: NativeCipherHandle,
  ) {}

  abstract decryptLength(seq: number, lengthField: Uint8Array): number;

  abstract sealInto(seq: number, plain: GatheredBytes, out: Uint8Array): void;

  /** Decrypts the packet's ciphertext into `body` (see {@link openInto}); false when the tag does not verify. */
  protected abstract openNative(seq: number, packet: GatheredBytes, body: Uint8Array): boolean;

  open(seq: number, packet: Uint8Array): Uint8Array {
    if (packet.length < 4 + TAG_LENGTH) throw macError(this.name);
    const body = packet.subarray(4, packet.length - TAG_LENGTH);
    this.openInto(seq, packet, body);
    return body;
  }

  openInto(seq: number, packet: GatheredBytes, body: Uint8Array): void {
    if (!this.openNative(seq, packet, body)) throw macError(this.name);
  }

  seal(seq: number, plain: Uint8Array): Uint8Array {
    const out = Buffer.allocUnsafe(plain.length + TAG_LENGTH);
    this.sealInto(seq, plain, out);
    return out;
  }
}
