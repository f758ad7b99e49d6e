import { PassThrough } from 'node:stream';
import { startSftpSession } from '../../../../src/sftp/session.js';
import type { SftpSessionOptions } from '../../../../src/sftp/options.js';
import type { Vfs } from '../../../../src/sftp/vfs.js';
import { AttrFlag, Fxp, SftpStatus } from '../../../../src/sftp/constants.js';
import { WireReader } from '../../../../src/wire/reader.js';
import { WireWriter } from '../../../../src/wire/writer.js';

/** One reply frame, with a reader positioned after the request id. */
export interface Reply {
  readonly type: number;
  readonly id: number;
  readonly payload: Buffer;
  readonly r: WireReader;
}

/** A STATUS reply turned into an error, so tests can assert on `.code`. */
export class StatusError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(`status ${code}: ${message}`);
  }
}

/** Attributes as the tests read them back. */
export interface TestAttrs {
  size?: bigint;
  uid?: number;
  gid?: number;
  permissions?: number;
  atime?: number;
  mtime?: number;
}

export function readAttrs(r: WireReader): TestAttrs {
  const flags = r.u32();
  const a: TestAttrs = {};
  if (flags & AttrFlag.Size) a.size = r.u64();
  if (flags & AttrFlag.UidGid) [a.uid, a.gid] = [r.u32(), r.u32()];
  if (flags & AttrFlag.Permissions) a.permissions = r.u32();
  if (flags & AttrFlag.AcModTime) [a.atime, a.mtime] = [r.u32(), r.u32()];
  return a;
}

export function writeAttrs(w: WireWriter, a: TestAttrs = {}): WireWriter {
  let flags = 0;
  if (a.size !== undefined) flags |= AttrFlag.Size;
  if (a.permissions !== undefined) flags |= AttrFlag.Permissions;
  if (a.atime !== undefined) flags |= AttrFlag.AcModTime;
  w.u32(flags);
  if (a.size !== undefined) w.u64(a.size);
  if (a.permissions !== undefined) w.u32(a.permissions);
  if (a.atime !== undefined) w.u32(a.atime).u32(a.mtime ?? a.atime);
  return w;
}

/**
 * A deliberately small SFTP v3 client over a pair of in-memory streams, able to pipeline requests
 * and to send malformed frames. It is independent of the server's request code: it builds every
 * request with the wire writer.
 */
export class TestSftpClient {
  private nextId = 1;
  private buf = Buffer.alloc(0);
  private readonly waiting = new Map<number, (r: Reply) => void>();
  private versionWaiter: ((r: Buffer) => void) | undefined;
  /** Frames received that matched no request (for assertions). */
  readonly stray: Buffer[] = [];
  ended = false;
  version: { version: number; extensions: Map<string, string> } | undefined;

  constructor(
    readonly toServer: PassThrough,
    readonly fromServer: PassThrough,
    readonly done: Promise<void>,
  ) {
    fromServer.on('data', (c: Buffer) => this.onData(c));
    fromServer.on('end', () => (this.ended = true));
  }

  /** Starts a session on `vfs` and returns a client that has not sent INIT yet. */
  static raw(vfs: Vfs, options: Partial<SftpSessionOptions> = {}): TestSftpClient {
    const toServer = new PassThrough();
    const fromServer = new PassThrough();
    const done = startSftpSession({ input: toServer, output: fromServer }, { vfs, ...options });
    return new TestSftpClient(toServer, fromServer, done);
  }

  /** Starts a session and completes INIT/VERSION. */
  static async connect(vfs: Vfs, options: Partial<SftpSessionOptions> = {}): Promise<TestSftpClient> {
    const c = TestSftpClient.raw(vfs, options);
    await c.init();
    return c;
  }

  async init(version = 3): Promise<void> {
    const got = new Promise<Buffer>((resolve) => (this.versionWaiter = resolve));
    this.sendFrame(new WireWriter().byte(Fxp.Init).u32(version).finish());
    const p = await got;
    const r = new WireReader(p, 1);
    const v = r.u32();
    const extensions = new Map<string, string>();
    while (r.remaining > 0) extensions.set(r.text(), r.text());
    this.version = { version: v, extensions };
  }

  private onData(chunk: Buffer): void {
    this.buf = Buffer.concat([this.buf, chunk]);
    while (this.buf.length >= 4) {
      const len = this.buf.readUInt32BE(0);
      if (this.buf.length < 4 + len) return;
      const payload = this.buf.subarray(4, 4 + len);
      this.buf = this.buf.subarray(4 + len);
      if (payload[0] === Fxp.Version && this.versionWaiter) {
        this.versionWaiter(payload);
        this.versionWaiter = undefined;
        continue;
      }
      const r = new WireReader(payload, 1);
      const id = r.u32();
      const w = this.waiting.get(id);
      if (w) {
        this.waiting.delete(id);
        w({ type: payload[0]!, id, payload, r });
      } else this.stray.push(payload);
    }
  }

  /** Writes a frame with a correct length prefix. */
  sendFrame(payload: Uint8Array): void {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(payload.length);
    this.toServer.write(Buffer.concat([len, payload]));
  }

  /** Sends a request built by `body` (after type and id) and resolves with its reply. */
  request(type: number, body: (w: WireWriter) => void = () => undefined): Promise<Reply> {
    const id = this.nextId++;
    const w = new WireWriter().byte(type).u32(id);
    body(w);
    const reply = new Promise<Reply>((resolve) => this.waiting.set(id, resolve));
    this.sendFrame(w.finish());
    return reply;
  }

  /** Throws StatusError for a non-OK STATUS; returns the reply otherwise. */
  static check(rep: Reply, expectType?: number): Reply {
    if (rep.type === Fxp.Status) {
      const code = rep.r.u32();
      const msg = rep.r.textLenient();
      if (code !== SftpStatus.Ok || (expectType !== undefined && expectType !== Fxp.Status)) {
        throw new StatusError(code, msg);
      }
      return rep;
    }
    if (expectType !== undefined && rep.type !== expectType)
      throw new Error(`unexpected reply type ${rep.type}`);
    return rep;
  }

  async status(type: number, body: (w: WireWriter) => void): Promise<void> {
    TestSftpClient.check(await this.request(type, body), Fxp.Status);
  }

  async open(path: string, pflags: number, attrs: TestAttrs = {}): Promise<Buffer> {
    const rep = TestSftpClient.check(
      await this.request(Fxp.Open, (w) => writeAttrs(w.text(path).u32(pflags), attrs)),
      Fxp.Handle,
    );
    return Buffer.from(rep.r.bytes());
  }

  async opendir(path: string): Promise<Buffer> {
    const rep = TestSftpClient.check(await this.request(Fxp.Opendir, (w) => w.text(path)), Fxp.Handle);
    return Buffer.from(rep.r.bytes());
  }

  close(handle: Uint8Array): Promise<void> {
    return this.status(Fxp.Close, (w) => w.bytes(handle));
  }

  /** READ; null at EOF. */
  async read(handle: Uint8Array, offset: number | bigint, len: number): Promise<Buffer | null> {
    const rep = await this.request(Fxp.Read, (w) => w.bytes(handle).u64(BigInt(offset)).u32(len));
    if (rep.type === Fxp.Status) {
      const code = rep.r.u32();
      if (code === SftpStatus.Eof) return null;
      throw new StatusError(code, rep.r.textLenient());
    }
    return Buffer.from(rep.r.bytes());
  }

  write(handle: Uint8Array, offset: number | bigint, data: Uint8Array): Promise<void> {
    return this.status(Fxp.Write, (w) => w.bytes(handle).u64(BigInt(offset)).bytes(data));
  }

  async stat(path: string, type: number = Fxp.Stat): Promise<TestAttrs> {
    const rep = TestSftpClient.check(await this.request(type, (w) => w.text(path)), Fxp.Attrs);
    return readAttrs(rep.r);
  }

  lstat(path: string): Promise<TestAttrs> {
    return this.stat(path, Fxp.Lstat);
  }

  async fstat(handle: Uint8Array): Promise<TestAttrs> {
    const rep = TestSftpClient.check(await this.request(Fxp.Fstat, (w) => w.bytes(handle)), Fxp.Attrs);
    return readAttrs(rep.r);
  }

  /** A NAME reply's entries. */
  async names(
    type: number,
    body: (w: WireWriter) => void,
  ): Promise<{ name: string; longname: string; attrs: TestAttrs }[]> {
    const rep = TestSftpClient.check(await this.request(type, body), Fxp.Name);
    const n = rep.r.u32();
    const out = [];
    for (let i = 0; i < n; i++)
      out.push({ name: rep.r.text(), longname: rep.r.text(), attrs: readAttrs(rep.r) });
    return out;
  }

  async realpath(path: string): Promise<string> {
    return (await this.names(Fxp.Realpath, (w) => w.text(path)))[0]!.name;
  }

  /** All entries of a directory. */
  async readdir(path: string): Promise<{ name: string; longname: string; attrs: TestAttrs }[]> {
    const h = await this.opendir(path);
    const all = [];
    for (;;) {
      const rep = await this.request(Fxp.Readdir, (w) => w.bytes(h));
      if (rep.type === Fxp.Status) {
        const code = rep.r.u32();
        if (code === SftpStatus.Eof) break;
        throw new StatusError(code, rep.r.textLenient());
      }
      const n = rep.r.u32();
      for (let i = 0; i < n; i++)
        all.push({ name: rep.r.text(), longname: rep.r.text(), attrs: readAttrs(rep.r) });
    }
    await this.close(h);
    return all;
  }

  extended(name: string, body: (w: WireWriter) => void = () => undefined): Promise<Reply> {
    return this.request(Fxp.Extended, (w) => body(w.text(name)));
  }

  /** Ends the client side and waits for the session to finish. */
  async end(): Promise<void> {
    this.toServer.end();
    await this.done;
  }
}

/** Expects a promise to reject with a given SFTP status code. */
export async function expectStatus(p: Promise<unknown>, code: number): Promise<StatusError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof StatusError && err.code === code) return err;
    throw new Error(`expected status ${code}, got ${String(err)}`);
  }
  throw new Error(`expected status ${code}, got success`);
}
