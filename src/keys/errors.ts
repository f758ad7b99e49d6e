/**
 * A key (file, line or blob) that is not in a format we read, is truncated or corrupt, or holds an
 * unsupported or inconsistent key. The message says what is wrong in one line.
 */
export class KeyFormatError extends Error {
  override readonly name = 'KeyFormatError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** An encrypted private key whose passphrase was wrong (check-ints or authentication tag mismatch). */
export class WrongPassphraseError extends Error {
  override readonly name = 'WrongPassphraseError';
  constructor(message = 'wrong passphrase for the private key', options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** An encrypted private key was given without a passphrase. */
export class PassphraseRequiredError extends Error {
  override readonly name = 'PassphraseRequiredError';
  constructor(
    message = 'the private key is encrypted and needs a passphrase',
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
