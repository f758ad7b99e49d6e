// RevokedKeys files: KRLs built by the real ssh-keygen (-k, -u) must revoke exactly what
// `ssh-keygen -Q` says they revoke, for plain keys, certificates and CA keys; text files of keys
// revoke as sshd's sshkey_in_file; malformed input only ever throws KeyFormatError.
import { spawnSync, execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  fingerprintSha256,
  isKrl,
  KeyFormatError,
  parseKrl,
  parsePublicKeyBlob,
  parsePublicKeyFile,
  parseRevokedKeys,
  type PublicKey,
  type RevocationCertificate,
  type RevocationList,
} from '../../../src/keys/index.js';
import { parseCertificateLine } from '../../../src/keys/certificate-line.js';
import { WireReader, WireWriter } from '../../../src/wire/index.js';

const dir = mkdtempSync(join(tmpdir(), 'sshd-kit-krl-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const at = (name: string): string => join(dir, name);

const sshKeygen = (...args: string[]): string =>
  execFileSync('ssh-keygen', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

/** A key or certificate to ask about: the .pub file ssh-keygen reads, and what we are given. */
interface Subject {
  readonly file: string;
  readonly key: PublicKey;
  readonly certificate?: RevocationCertificate;
}

/** Serial, key ID and CA key of a certificate line, read here so as not to lean on certificate.ts. */
function readCertificate(line: string): RevocationCertificate {
  const [type, b64] = line.trim().split(/\s+/) as [string, string];
  const r = new WireReader(Buffer.from(b64, 'base64'));
  r.text(); // type
  r.bytes(); // nonce
  // The certified key's fields: ed25519 has one string, ECDSA (curve, Q) and RSA (e, n) two.
  for (let i = type.startsWith('ssh-ed25519') ? 1 : 2; i > 0; i--) r.bytes();
  const serial = r.u64();
  r.u32(); // user or host
  const keyId = r.text();
  r.bytes(); // principals
  r.u64(); // valid after
  r.u64(); // valid before
  r.bytes(); // critical options
  r.bytes(); // extensions
  r.bytes(); // reserved
  const signatureKey = parsePublicKeyBlob(r.bytes());
  r.bytes(); // signature
  r.end();
  return { serial, keyId, signatureKey };
}

const CAS = ['ca', 'ca2'] as const;
const USERS = ['ed', 'ec', 'rsa'] as const;
const MAX_U64 = (1n << 64n) - 1n;
const SERIALS = [0n, 1n, 2n, 5n, 6n, 7n, 8n, 100n, 101n, 103n, 150n, 397n, 398n, 1000n, 1n << 63n, MAX_U64];
const pubLine = (name: string): string => readFileSync(at(`${name}.pub`), 'utf8').trim();
const pubKey = (name: string): PublicKey => parsePublicKeyFile(readFileSync(at(`${name}.pub`), 'utf8'));

const subjects: Subject[] = [];

beforeAll(() => {
  const kinds: Record<string, string[]> = {
    ca: ['-t', 'ed25519'],
    ca2: ['-t', 'ecdsa', '-b', '256'],
    other: ['-t', 'ed25519'],
    ed: ['-t', 'ed25519'],
    ec: ['-t', 'ecdsa', '-b', '384'],
    rsa: ['-t', 'rsa', '-b', '2048'],
  };
  for (const [name, args] of Object.entries(kinds)) {
    sshKeygen('-q', ...args, '-N', '', '-C', `${name}@krl-test`, '-f', at(name));
  }
  for (const name of [...USERS, ...CAS, 'other'])
    subjects.push({ file: at(`${name}.pub`), key: pubKey(name) });
  // Certificates from both CAs, by serial, each for one of the users, with key ID alice or bob.
  for (const ca of CAS) {
    SERIALS.forEach((serial, i) => {
      const user = USERS[i % USERS.length]!;
      const keyId = i % 2 === 0 ? 'alice' : 'bob';
      const name = `${user}-${ca}-${serial}`;
      copyFileSync(at(`${user}.pub`), at(`${name}.pub`));
      sshKeygen('-q', '-s', at(ca), '-I', keyId, '-n', 'alice', '-z', String(serial), at(`${name}.pub`));
      const file = at(`${name}-cert.pub`);
      const certificate = readCertificate(readFileSync(file, 'utf8'));
      expect(certificate.serial).toBe(serial);
      subjects.push({ file, key: pubKey(user), certificate });
    });
  }
});

/** One `ssh-keygen -k` run: its spec lines, revoking under `ca` (a key name or `none`, for any CA). */
interface KrlStep {
  readonly ca?: string;
  readonly lines: readonly string[];
}

/** Builds a KRL with ssh-keygen: the first step makes it, the others update it (-u). */
function buildKrl(name: string, steps: readonly KrlStep[], extra: readonly string[] = []): Buffer {
  const file = at(`${name}.krl`);
  steps.forEach((step, i) => {
    const spec = at(`${name}.spec${i}`);
    writeFileSync(spec, step.lines.join('\n') + '\n');
    const ca = step.ca === undefined ? [] : ['-s', step.ca === 'none' ? 'none' : at(`${step.ca}.pub`)];
    sshKeygen('-q', '-k', ...(i > 0 ? ['-u'] : []), ...extra, '-f', file, ...ca, spec);
  });
  return readFileSync(file);
}

/** What `ssh-keygen -Q` answers for each subject: true for REVOKED; undefined if it refuses the KRL. */
function keygenRevoked(krl: Uint8Array, files: readonly string[]): boolean[] | undefined {
  const file = at('query.krl');
  writeFileSync(file, krl);
  const run = spawnSync('ssh-keygen', ['-Q', '-f', file, ...files], { encoding: 'utf8' });
  if (run.stderr.includes('Invalid KRL')) return undefined;
  const lines = run.stdout.trim().split('\n');
  expect(lines).toHaveLength(files.length);
  return lines.map((line, i) => {
    expect(line.startsWith(`${files[i]} (`)).toBe(true);
    if (!/: (REVOKED|ok)$/.test(line)) throw new Error(`unexpected ssh-keygen -Q line: ${line}`);
    return line.endsWith(': REVOKED');
  });
}

const ourRevoked = (list: RevocationList): boolean[] =>
  subjects.map((s) => list.isRevoked(s.key, s.certificate));

/** Asserts we revoke exactly what ssh-keygen -Q revokes, and returns how many that is. */
function expectSameAsKeygen(krl: Uint8Array): number {
  const theirs = keygenRevoked(
    krl,
    subjects.map((s) => s.file),
  );
  expect(theirs).toBeDefined();
  const ours = ourRevoked(parseRevokedKeys(krl));
  const named = (answers: boolean[]) =>
    subjects.map((s, i) => `${s.file.slice(dir.length + 1)}: ${answers[i]}`);
  expect(named(ours)).toEqual(named(theirs!));
  return ours.filter(Boolean).length;
}

/** The types of the certificate subsections of a KRL, in order (to see which encodings ran). */
function subsectionTypes(krl: Uint8Array): number[] {
  const r = new WireReader(krl, 8 + 4 + 3 * 8, krl.length);
  r.bytes(); // reserved
  r.bytes(); // comment
  const types: number[] = [];
  while (r.remaining > 0) {
    const type = r.byte();
    const data = r.bytes();
    if (type !== 1) continue;
    const s = new WireReader(data, 0, data.length);
    s.bytes(); // CA key
    s.bytes(); // reserved
    while (s.remaining > 0) {
      types.push(s.byte());
      s.bytes();
    }
  }
  return types;
}

/** The certificate ssh-keygen issued from `ca` with `serial`. */
const certSubject = (ca: string, serial: bigint): Subject =>
  subjects.find((s) => s.file.endsWith(`-${ca}-${serial}-cert.pub`))!;
const certLine = (ca: string, serial: bigint): string =>
  readFileSync(certSubject(ca, serial).file, 'utf8').trim();
const SPARSE = Array.from({ length: 101 }, (_, k) => `serial: ${100 + 3 * k}`);

const cases: { name: string; steps: () => KrlStep[]; encodings?: number[] }[] = [
  { name: 'serial list', steps: () => [{ ca: 'ca', lines: ['serial: 1', 'serial: 7', 'serial: 1000'] }] },
  { name: 'serial range', steps: () => [{ ca: 'ca', lines: ['serial: 100-1000'] }], encodings: [0x21] },
  { name: 'sparse serials, as a bitmap', steps: () => [{ ca: 'ca', lines: SPARSE }], encodings: [0x22] },
  {
    name: 'lists, ranges and bitmaps together',
    steps: () => [
      {
        ca: 'ca2',
        lines: ['serial: 1-2', 'serial: 5', 'serial: 8', 'serial: 100-103', 'serial: 0x8000000000000000'],
      },
    ],
  },
  { name: 'every serial', steps: () => [{ ca: 'ca', lines: ['serial: 1-18446744073709551615'] }] },
  {
    name: 'top serials',
    steps: () => [{ ca: 'ca', lines: ['serial: 18446744073709551614-18446744073709551615'] }],
  },
  { name: 'key ID', steps: () => [{ ca: 'ca', lines: ['id: alice'] }], encodings: [0x23] },
  {
    name: 'key ID and serials of any CA',
    steps: () => [{ ca: 'none', lines: ['id: bob', 'serial: 6', 'serial: 1000'] }],
  },
  { name: 'explicit key', steps: () => [{ lines: [`key: ${pubLine('ed')}`] }] },
  { name: 'plain public key lines', steps: () => [{ lines: [pubLine('rsa'), pubLine('other')] }] },
  { name: 'SHA-1 of a key', steps: () => [{ lines: [`sha1: ${pubLine('ec')}`] }] },
  { name: 'SHA-256 of a key', steps: () => [{ lines: [`sha256: ${pubLine('ed')}`] }] },
  { name: 'SHA-256 fingerprint', steps: () => [{ lines: [`hash: ${fingerprintSha256(pubKey('rsa'))}`] }] },
  { name: 'revoked CA key', steps: () => [{ lines: [`key: ${pubLine('ca')}`] }] },
  { name: 'CA key by SHA-1', steps: () => [{ lines: [`sha1: ${pubLine('ca2')}`] }] },
  {
    name: 'certificates listed (by serial, and by key ID at serial 0)',
    steps: () => [{ lines: [certLine('ca', 5n), certLine('ca2', 0n), certLine('ca', MAX_U64)] }],
  },
  {
    name: 'updates with -u, two CAs and any CA',
    steps: () => [
      { ca: 'ca', lines: ['serial: 1', 'id: bob'] },
      { lines: [`key: ${pubLine('ec')}`] },
      { ca: 'ca2', lines: ['serial: 100-200', 'serial: 7'] },
      { ca: 'none', lines: ['id: alice'] },
      { ca: 'ca', lines: SPARSE },
    ],
  },
];

/** A KRL with every kind of section ssh-keygen writes, for the malformed-input tests. */
const everything = (): Buffer =>
  buildKrl('everything', [
    { ca: 'ca', lines: ['serial: 1', 'serial: 5-7', 'id: bob', ...SPARSE.slice(0, 20)] },
    { ca: 'ca2', lines: ['serial: 2', 'id: alice'] },
    { ca: 'none', lines: ['id: carol', 'serial: 1000'] },
    { lines: [`key: ${pubLine('other')}`, `sha1: ${pubLine('ec')}`, `sha256: ${pubLine('rsa')}`] },
  ]);

describe('KRLs made by ssh-keygen, against ssh-keygen -Q', () => {
  it.each(cases)('$name', ({ name, steps, encodings }) => {
    const krl = buildKrl(name.replace(/\W+/g, '-'), steps());
    expect(isKrl(krl)).toBe(true);
    const revoked = expectSameAsKeygen(krl);
    // Each case revokes something, and not everything.
    expect(revoked).toBeGreaterThan(0);
    expect(revoked).toBeLessThan(subjects.length);
    if (encodings !== undefined) expect(new Set(subsectionTypes(krl))).toEqual(new Set(encodings));
  });

  it('a KRL with every section kind, and its header fields', () => {
    const before = BigInt(Math.floor(Date.now() / 1000));
    const krl = buildKrl('versioned', [{ ca: 'ca', lines: ['serial: 3'] }], ['-z', '42']);
    const parsed = parseKrl(krl);
    expect(parsed.krlVersion).toBe(42n);
    expect(parsed.generatedDate >= before - 5n && parsed.generatedDate <= before + 60n).toBe(true);
    expect(parsed.comment).toBe('');
    expect(expectSameAsKeygen(everything())).toBeGreaterThan(5);
  });

  it('an empty KRL revokes nothing', () => {
    const krl = buildKrl('empty', [{ lines: ['# nothing'] }]);
    expect(expectSameAsKeygen(krl)).toBe(0);
  });
});

// ---- Hand-made KRLs ---------------------------------------------------------------------------

/** A section: its type, data, and (for a signature) the second string. */
type Section = readonly [type: number, data: Uint8Array, signature?: Uint8Array];

function krlOf(
  sections: readonly Section[],
  header: { version?: number; comment?: Uint8Array } = {},
): Buffer {
  const w = new WireWriter();
  w.raw(Buffer.from('SSHKRL\n\0', 'latin1'))
    .u32(header.version ?? 1)
    .u64(7n)
    .u64(1700000000n)
    .u64(0n);
  w.bytes(new Uint8Array(0)).bytes(header.comment ?? Buffer.from('made by hand'));
  for (const [type, data, signature] of sections) {
    w.byte(type).bytes(data);
    if (signature !== undefined) w.bytes(signature);
  }
  return Buffer.from(w.finish());
}

const build = (write: (w: WireWriter) => void): Uint8Array => {
  const w = new WireWriter();
  write(w);
  return w.finish();
};
/** A certificate section for `ca` (empty for any CA) with subsections. */
const certSection = (ca: Uint8Array, ...subs: [number, Uint8Array][]): Section => [
  1,
  build((w) => {
    w.bytes(ca).bytes(new Uint8Array(0));
    for (const [type, data] of subs) w.byte(type).bytes(data);
  }),
];
const u64s = (...values: bigint[]) => build((w) => values.forEach((v) => w.u64(v)));
const strings = (...values: (string | Uint8Array)[]) =>
  build((w) => values.forEach((v) => (typeof v === 'string' ? w.text(v) : w.bytes(v))));
const bitmap = (offset: bigint, bits: Uint8Array) => build((w) => w.u64(offset).bytes(bits));
const extension = (name: string, critical: boolean) =>
  build((w) => w.text(name).bool(critical).bytes(strings('x')));

describe('hand-made KRLs', () => {
  const ca = () => pubKey('ca').blob;

  // Each is refused, by us and by ssh-keygen (OpenSSH 9.2) alike.
  const refused: [string, () => Uint8Array, RegExp][] = [
    ['format version 2', () => krlOf([], { version: 2 }), /format version 2/],
    ['an unknown section', () => krlOf([[9, new Uint8Array(0)]]), /section type 9/],
    [
      'an unknown certificate subsection',
      () => krlOf([certSection(ca(), [0x30, u64s(1n)])]),
      /subsection type 48/,
    ],
    ['a truncated header', () => krlOf([]).subarray(0, 30), /corrupt KRL/],
    ['a truncated section', () => krlOf([[2, strings(pubKey('ed').blob)]]).subarray(0, -1), /corrupt KRL/],
    [
      'trailing bytes in a section',
      () => krlOf([[3, Buffer.concat([strings(Buffer.alloc(20)), Buffer.alloc(1)])]]),
      /corrupt KRL/,
    ],
    ['trailing bytes in a range', () => krlOf([certSection(ca(), [0x21, u64s(1n, 2n, 3n)])]), /trailing/],
    ['a SHA-1 of 19 bytes', () => krlOf([[3, strings(Buffer.alloc(19, 1))]]), /19 bytes, expected 20/],
    ['a SHA-256 of 20 bytes', () => krlOf([[5, strings(Buffer.alloc(20, 1))]]), /20 bytes, expected 32/],
    ['serial 0 in a list', () => krlOf([certSection(ca(), [0x20, u64s(3n, 0n)])]), /serial 0/],
    ['a range from 0', () => krlOf([certSection(ca(), [0x21, u64s(0n, 5n)])]), /serial 0/],
    ['a reversed range', () => krlOf([certSection(ca(), [0x21, u64s(9n, 5n)])]), /reversed/],
    [
      'a bitmap revoking serial 0',
      () => krlOf([certSection(ca(), [0x22, bitmap(0n, Buffer.from([3]))])]),
      /serial 0/,
    ],
    [
      'a bitmap past 2^64',
      () => krlOf([certSection(ca(), [0x22, bitmap(MAX_U64 - 6n, Buffer.from([1, 0]))])]),
      /past 2\^64/,
    ],
    [
      'a bitmap over 16384 bits',
      () =>
        krlOf([certSection(ca(), [0x22, bitmap(1n, Buffer.concat([Buffer.from([1]), Buffer.alloc(2048)]))])]),
      /too large/,
    ],
    [
      'a negative bitmap',
      () => krlOf([certSection(ca(), [0x22, bitmap(1n, Buffer.from([0x80]))])]),
      /negative/,
    ],
    ['a CA key that is not a key', () => krlOf([certSection(strings('ssh-ed25519', 'short'))]), /CA key/],
    ['a key ID with a NUL inside', () => krlOf([certSection(ca(), [0x23, strings('a\0b')])]), /NUL/],
    ['a comment with a NUL inside', () => krlOf([], { comment: Buffer.from('a\0b') }), /NUL/],
  ];

  it.each(refused)('refuses %s, as ssh-keygen does', (_, make, message) => {
    const krl = make();
    expect(() => parseRevokedKeys(krl)).toThrow(KeyFormatError);
    expect(() => parseRevokedKeys(krl)).toThrow(message);
    expect(keygenRevoked(krl, [at('ed.pub')])).toBeUndefined();
  });

  it('error messages are one line', () => {
    for (const [, make] of refused) {
      try {
        parseRevokedKeys(make());
      } catch (err) {
        expect((err as Error).message).not.toMatch(/[\r\n]/);
      }
    }
  });

  it('accepts what ssh-keygen accepts at the edges: a trailing NUL, a zero-padded bitmap, empty sections', () => {
    const krl = krlOf([
      certSection(ca(), [0x23, strings('alice\0')], [0x22, bitmap(100n, Buffer.from([0, 0, 0b1011]))]),
      certSection(new Uint8Array(0), [0x20, new Uint8Array(0)], [0x23, new Uint8Array(0)]),
      [2, new Uint8Array(0)],
      [3, new Uint8Array(0)],
    ]);
    expect(expectSameAsKeygen(krl)).toBeGreaterThan(0);
    const list = parseKrl(krl);
    expect(list.comment).toBe('made by hand');
    const revokes = (s: Subject, change: Partial<RevocationCertificate> = {}) =>
      list.isRevoked(s.key, { ...s.certificate!, ...change });
    expect(revokes(certSubject('ca', 0n))).toBe(true); // key ID alice, with a trailing NUL in the KRL
    expect(revokes(certSubject('ca', 100n), { keyId: 'x' })).toBe(true); // bit 0
    expect(revokes(certSubject('ca', 101n), { keyId: 'x' })).toBe(true); // bit 1
    expect(revokes(certSubject('ca', 100n), { keyId: 'x', serial: 102n })).toBe(false); // bit 2
    expect(revokes(certSubject('ca2', 100n), { keyId: 'alice' })).toBe(false); // another CA
  });

  it('skips signature sections unchecked (as OpenSSH 9.4 and later), which must come last', () => {
    const sig: Section = [4, pubKey('other').blob, strings('ssh-ed25519', Buffer.alloc(64))];
    const revokeEd: Section = [2, strings(pubKey('ed').blob)];
    const list = parseKrl(krlOf([revokeEd, sig, sig]));
    expect(list.isRevoked(pubKey('ed'))).toBe(true);
    expect(list.isRevoked(pubKey('other'))).toBe(false);
    expect(() => parseKrl(krlOf([sig, revokeEd]))).toThrow(/after the signature/);
    expect(() => parseKrl(krlOf([revokeEd, [4, pubKey('other').blob]]))).toThrow(KeyFormatError);
  });

  it('skips extensions unless critical (PROTOCOL.krl §2.5, §5)', () => {
    const list = parseKrl(
      krlOf([
        [255, extension('bloom-explicit-key', false)],
        certSection(ca(), [0x39, extension('cert-bloom-serial', false)], [0x20, u64s(5n)]),
      ]),
    );
    const five = certSubject('ca', 5n);
    expect(list.isRevoked(five.key, five.certificate)).toBe(true);
    expect(() => parseKrl(krlOf([[255, extension('must-know', true)]]))).toThrow(
      /critical extension section "must-know"/,
    );
    expect(() => parseKrl(krlOf([certSection(ca(), [0x39, extension('x\n', true)])]))).toThrow(
      /critical extension subsection "x\\x0a"/,
    );
    expect(() => parseKrl(krlOf([[255, Buffer.concat([extension('x', false), Buffer.alloc(1)])]]))).toThrow(
      /trailing/,
    );
  });

  it('keeps a huge range as a range, and checks serials at both ends of it', () => {
    const list = parseKrl(krlOf([certSection(ca(), [0x21, u64s(2n, MAX_U64)])]));
    for (const [serial, revoked] of [
      [0n, false],
      [1n, false],
      [2n, true],
      [MAX_U64, true],
    ] as const) {
      expect(list.isRevoked(pubKey('ed'), { serial, keyId: '', signatureKey: pubKey('ca') })).toBe(revoked);
      expect(list.isRevoked(pubKey('ed'), { serial, keyId: '', signatureKey: pubKey('ca2') })).toBe(false);
    }
  });

  it('answers serial lists, ranges and bitmaps, overlapping in any order, as plain set membership', () => {
    const serial = fc.bigInt({ min: 1n, max: 120n });
    const rule = fc.oneof(
      fc.array(serial, { minLength: 1, maxLength: 4 }).map((list) => ({ list })),
      fc.tuple(serial, fc.bigInt({ min: 0n, max: 30n })).map(([min, span]) => ({ range: [min, min + span] })),
      fc
        .tuple(serial, fc.uint8Array({ minLength: 1, maxLength: 3 }))
        .map(([offset, bits]) => ({ offset, bits })),
    );
    fc.assert(
      fc.property(fc.array(rule, { maxLength: 8 }), (rules) => {
        const revoked = new Set<bigint>();
        const subs: [number, Uint8Array][] = rules.map((r) => {
          if ('list' in r) {
            r.list.forEach((s) => revoked.add(s));
            return [0x20, u64s(...r.list)];
          }
          if ('range' in r) {
            for (let s = r.range[0]!; s <= r.range[1]!; s++) revoked.add(s);
            return [0x21, u64s(r.range[0]!, r.range[1]!)];
          }
          const bits = BigInt(`0x00${Buffer.from(r.bits).toString('hex')}`);
          for (let i = 0n; i < 24n; i++) if ((bits >> i) & 1n) revoked.add(r.offset + i);
          return [0x22, bitmap(r.offset, Buffer.concat([Buffer.alloc(1), r.bits]))]; // an mpint: not negative
        });
        const list = parseKrl(krlOf([certSection(ca(), ...subs)]));
        for (let s = 0n; s <= 160n; s++) {
          const certificate = { serial: s, keyId: '', signatureKey: pubKey('ca') };
          expect(list.isRevoked(pubKey('ed'), certificate)).toBe(revoked.has(s));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('refuses an input over MAX_KRL_BYTES before reading it', () => {
    const big = Buffer.alloc(128 * 1024 * 1024 + 1);
    Buffer.from('SSHKRL\n\0', 'latin1').copy(big);
    expect(() => parseKrl(big)).toThrow(/too large/);
  });
});

describe('malformed KRLs never throw anything but KeyFormatError', () => {
  it('every prefix of a real KRL parses or is refused', () => {
    const krl = everything();
    for (let n = 0; n < krl.length; n++) {
      try {
        parseKrl(krl.subarray(0, n));
      } catch (err) {
        expect(err).toBeInstanceOf(KeyFormatError);
      }
    }
    expect(() => parseKrl(krl.subarray(0, krl.length - 1))).toThrow(/corrupt KRL/);
  });

  /** A KRL with a few bytes changed, some cut out, or some put in. */
  const mutations = (krl: Buffer) =>
    fc
      .record({
        edits: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
        cut: fc.option(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 16 }))),
        insert: fc.option(fc.tuple(fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 8 }))),
      })
      .map(({ edits, cut, insert }) => {
        let b = Buffer.from(krl);
        // Leave the magic alone, so that what is tested is the KRL decoder, not the text reader.
        for (const [i, v] of edits) b[8 + (i % (b.length - 8))] = v;
        if (cut !== null) {
          const from = 8 + (cut[0] % (b.length - 8));
          b = Buffer.concat([b.subarray(0, from), b.subarray(from + cut[1])]);
        }
        if (insert !== null) {
          const i = 8 + (insert[0] % (b.length - 7));
          b = Buffer.concat([b.subarray(0, i), insert[1], b.subarray(i)]);
        }
        return b;
      });

  it('randomly mutated KRLs parse or throw KeyFormatError', () => {
    const krl = everything();
    fc.assert(
      fc.property(mutations(krl), (mutated) => {
        try {
          const list = parseRevokedKeys(mutated);
          ourRevoked(list);
        } catch (err) {
          expect(err).toBeInstanceOf(KeyFormatError);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('KRLs with one byte changed are refused, or answered, as ssh-keygen -Q does', () => {
    const krl = everything();
    const files = subjects.map((s) => s.file);
    const edits = fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })).map(([i, v]) => {
      const b = Buffer.from(krl);
      b[8 + (i % (b.length - 8))] = v;
      return b;
    });
    let accepted = 0;
    for (const mutated of fc.sample(edits, { numRuns: 80, seed: 20240611 })) {
      const theirs = keygenRevoked(mutated, files);
      if (theirs === undefined) {
        expect(() => parseKrl(mutated)).toThrow(KeyFormatError);
        continue;
      }
      accepted++;
      expect(ourRevoked(parseKrl(mutated))).toEqual(theirs);
    }
    expect(accepted).toBeGreaterThan(10);
  });
});

// ---- Text files of keys -----------------------------------------------------------------------

describe('text revoked keys files (sshkey_in_file)', () => {
  const revokes = (list: RevocationList, s: Subject) => list.isRevoked(s.key, s.certificate);

  it('revokes listed keys, certificates of them, and certificates signed by them', () => {
    const text = [
      '# revoked keys',
      '',
      `  ${pubLine('ed')}`,
      `\t${pubLine('ca2').replace(/ \S+$/, '')}\r`,
      '   # indented comment',
      '\r',
    ].join('\n');
    const list = parseRevokedKeys(Buffer.from(text));
    expect(list.isRevoked(pubKey('ed'))).toBe(true);
    expect(list.isRevoked(pubKey('ec'))).toBe(false);
    expect(list.isRevoked(pubKey('ca2'))).toBe(true);
    expect(revokes(list, certSubject('ca', 5n))).toBe(true); // a certificate of ed
    expect(revokes(list, certSubject('ca2', 2n))).toBe(true); // signed by ca2
    expect(revokes(list, certSubject('ca', 2n))).toBe(false);
    expect(revokes(list, certSubject('ca', 1n))).toBe(false);
  });

  it('an empty file revokes nothing', () => {
    const list = parseRevokedKeys(new Uint8Array(0));
    expect(subjects.some((s) => revokes(list, s))).toBe(false);
  });

  it('skips RSA keys under 1024 bits, as sshd does', () => {
    const n = Buffer.alloc(64, 0xc5);
    n[63] = 0xc7; // odd
    const blob = new WireWriter()
      .text('ssh-rsa')
      .mpintUnsigned(Buffer.from([1, 0, 1]))
      .mpintUnsigned(n)
      .finish();
    const text = `ssh-rsa ${Buffer.from(blob).toString('base64')} short\n${pubLine('ec')}\n`;
    const list = parseRevokedKeys(Buffer.from(text));
    expect(list.isRevoked(pubKey('ec'))).toBe(true);
  });

  const badLines: [string, () => string, string][] = [
    ['text', () => 'revoked', 'line 2: expected a public key line'],
    ['bad base64', () => `ssh-ed25519 ${'A'.repeat(10)}`, 'line 2: the key is not valid base64'],
    [
      'a key of another type than named',
      () => `ssh-rsa ${pubLine('ed').split(' ')[1]}`,
      'line 2: the line says ssh-rsa but the key inside is ssh-ed25519',
    ],
  ];
  it('a certificate line revokes the key it certifies, as sshd reads it', () => {
    const line = certLine('ca', 1n);
    const cert = parseCertificateLine(line);
    const list = parseRevokedKeys(Buffer.from(`${line}\n`));
    expect(list.isRevoked(cert.key)).toBe(true);
    expect(list.isRevoked(cert.key, cert)).toBe(true);
    // Not its CA, which signed other certificates too.
    expect(list.isRevoked(cert.signatureKey)).toBe(false);
  });

  it.each(badLines)('refuses a line that is not a key: %s', (_, line, message) => {
    const text = Buffer.from(`${pubLine('ed')}\n${line()}\n`);
    expect(() => parseRevokedKeys(text)).toThrow(KeyFormatError);
    expect(() => parseRevokedKeys(text)).toThrow(`revoked keys file ${message}`);
  });

  it('a text file that is not a KRL is one for ssh-keygen -Q neither', () => {
    expect(isKrl(Buffer.from(pubLine('ed')))).toBe(false);
    expect(isKrl(Buffer.from('SSHKRL\n'))).toBe(false);
    expect(() => parseRevokedKeys(Buffer.from('SSHKRL\n'))).toThrow(/line 1/);
    expect(() => parseKrl(Buffer.from(pubLine('ed')))).toThrow(/not a KRL/);
  });
});
