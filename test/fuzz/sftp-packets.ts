import { Fxp } from '../../src/sftp/constants.js';
import { WireWriter } from '../../src/wire/index.js';
import type { Dice } from './dice.js';

/** Paths a fuzzed request names: the jail's files, escapes through `..` and symlinks, oddities. */
export const FUZZ_PATHS = [
  '.',
  '/',
  '',
  'file',
  'dir',
  'dir/small',
  'dir/sub',
  'new',
  'dir/new',
  'nope/x',
  '..',
  '../outside/CANARY',
  '/../../etc/passwd',
  'out',
  'out/CANARY',
  'out/new',
  'canary',
  'loop1',
  'loop1/x',
  'a\0b',
  'x'.repeat(300),
  'd/'.repeat(200) + 'f',
  '\u00e9\u{1f600}',
  '~',
  '~root',
  '/dir/../file',
];

const EXTENSIONS = [
  'posix-rename@openssh.com',
  'hardlink@openssh.com',
  'statvfs@openssh.com',
  'fstatvfs@openssh.com',
  'fsync@openssh.com',
  'lsetstat@openssh.com',
  'limits@openssh.com',
  'expand-path@openssh.com',
  'copy-data',
  'home-directory',
  'users-groups-by-id@openssh.com',
  'check-file-handle',
  'check-file-name',
  'nonexistent@example.com',
];

const REQUESTS = [
  Fxp.Open,
  Fxp.Open,
  Fxp.Open,
  Fxp.Opendir,
  Fxp.Close,
  Fxp.Read,
  Fxp.Write,
  Fxp.Lstat,
  Fxp.Fstat,
  Fxp.Setstat,
  Fxp.Fsetstat,
  Fxp.Opendir,
  Fxp.Readdir,
  Fxp.Remove,
  Fxp.Mkdir,
  Fxp.Rmdir,
  Fxp.Realpath,
  Fxp.Stat,
  Fxp.Rename,
  Fxp.Readlink,
  Fxp.Symlink,
  Fxp.Extended,
  Fxp.Extended,
  Fxp.Extended,
  Fxp.Init,
];

/**
 * One framed SFTP request (uint32 length, then the packet), mostly well formed with random and
 * edge-case fields; now and then of an unknown type, damaged, or framed with a false length.
 * `handles` are ones the server handed out on this channel, used most of the time. With
 * `keepFrame`, the frame and the request's type and id are always intact (no INIT, no false
 * length, damage only past the id), so the request must get exactly one reply.
 */
export function randomSftpRequest(
  d: Dice,
  id: number,
  handles: readonly Buffer[],
  keepFrame = false,
): Buffer {
  const w = new WireWriter();
  const handle = (): Buffer =>
    handles.length && d.chance(0.85) ? d.pick(handles) : d.bytes(d.pick([0, 4, 8, 16, 300]));
  const path = (): string => (d.chance(0.9) ? d.pick(FUZZ_PATHS) : d.bytes(d.int(20)).toString('latin1'));
  const attrs = (): void => {
    const flags = d.chance(0.7) ? d.int(16) : d.u32();
    w.u32(flags);
    if (flags & 1) w.u64(d.chance(0.5) ? BigInt(d.int(200_000)) : d.u64());
    if (flags & 2) w.u32(d.u32()).u32(d.u32());
    if (flags & 4) w.u32(d.chance(0.5) ? d.pick([0o644, 0o755, 0o4755, 0o777, 0o170000]) : d.u32());
    if (flags & 8) w.u32(d.u32()).u32(d.u32());
    if (flags & 0x80000000) {
      const count = d.chance(0.8) ? d.int(3) : d.u32();
      w.u32(count);
      for (let i = 0; i < Math.min(count, 3); i++) w.text('name').text('value');
    }
  };
  const offset = (): bigint => (d.chance(0.7) ? BigInt(d.int(200_000)) : d.u64());

  const type = d.chance(0.97)
    ? d.pick(keepFrame ? REQUESTS.filter((t) => t !== Fxp.Init) : REQUESTS)
    : keepFrame
      ? d.pick([0, 2, 21, 100, 101, 102, 150, 201, 255])
      : d.int(256);
  w.byte(type).u32(type === Fxp.Init ? 3 : id);
  switch (type) {
    case Fxp.Init:
      break;
    case Fxp.Open:
      w.text(d.chance(0.5) ? d.pick(['file', 'new', 'dir/small', 'dir/new']) : path()).u32(
        d.chance(0.7) ? d.pick([0x01, 0x1a, 0x03, 0x2a, 0x0e, 0x1b]) : d.u32(),
      );
      attrs();
      break;
    case Fxp.Close:
    case Fxp.Fstat:
    case Fxp.Readdir:
      w.bytes(handle());
      break;
    case Fxp.Read:
      w.bytes(handle())
        .u64(offset())
        .u32(d.chance(0.7) ? d.int(300_000) : d.u32());
      break;
    case Fxp.Write: {
      w.bytes(handle()).u64(offset());
      const data = d.bytes(d.pick([0, 1, 100, 4000, 30_000]));
      if (d.chance(0.9)) w.bytes(data);
      else w.u32(d.u32()).raw(data);
      break;
    }
    case Fxp.Setstat:
    case Fxp.Mkdir:
      w.text(path());
      attrs();
      break;
    case Fxp.Fsetstat:
      w.bytes(handle());
      attrs();
      break;
    case Fxp.Rename:
    case Fxp.Symlink:
      w.text(path()).text(path());
      break;
    case Fxp.Extended:
      extendedRequest(d, w, path, handle, attrs);
      break;
    case Fxp.Opendir:
      w.text(d.chance(0.5) ? d.pick(['.', 'dir', '/']) : path());
      break;
    default:
      if (type >= Fxp.Lstat && type <= Fxp.Symlink) w.text(path());
      else w.raw(d.bytes(d.int(30)));
  }
  let body: Buffer = w.finish();
  // With keepFrame the type and id (5 bytes) stay intact; the frame length is set after.
  if (d.chance(0.05)) body = d.mangle(body, keepFrame ? 5 : 1);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(!keepFrame && d.chance(0.01) ? d.u32() : body.length);
  return Buffer.concat([length, body]);
}

function extendedRequest(
  d: Dice,
  w: WireWriter,
  path: () => string,
  handle: () => Buffer,
  attrs: () => void,
): void {
  const name = d.pick(EXTENSIONS);
  w.text(name);
  switch (name) {
    case 'posix-rename@openssh.com':
    case 'hardlink@openssh.com':
      w.text(path()).text(path());
      break;
    case 'statvfs@openssh.com':
    case 'expand-path@openssh.com':
      w.text(path());
      break;
    case 'fstatvfs@openssh.com':
    case 'fsync@openssh.com':
      w.bytes(handle());
      break;
    case 'lsetstat@openssh.com':
      w.text(path());
      attrs();
      break;
    case 'copy-data':
      w.bytes(handle())
        .u64(d.u64())
        .u64(d.chance(0.5) ? 0n : d.u64());
      w.bytes(handle()).u64(d.chance(0.5) ? 0n : d.u64());
      break;
    case 'home-directory':
      w.text(d.pick(['alice', 'root', '', 'nobody']));
      break;
    case 'users-groups-by-id@openssh.com':
      w.bytes(d.bytes(d.int(4) * 4 + d.int(2))).bytes(d.bytes(d.int(3) * 4));
      break;
    case 'check-file-handle':
    case 'check-file-name':
      if (name === 'check-file-handle') w.bytes(handle());
      else w.text(path());
      w.text(d.pick(['md5', 'sha1', 'sha256', 'sha512', 'md5,sha256', 'crc32', '']));
      w.u64(d.u64())
        .u64(d.chance(0.5) ? 0n : d.u64())
        .u32(d.pick([0, 1, 255, 256, 4096, 0xffffffff]));
      break;
    default:
      w.raw(d.bytes(d.int(16)));
  }
}
