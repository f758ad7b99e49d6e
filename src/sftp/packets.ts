import { t, type FieldCodec } from '../wire/codec.js';
import { DecodeError } from '../wire/errors.js';
import { attrsCodec, type FileAttrs } from './attrs.js';
import { Fxp } from './constants.js';
import { defineSftpHello, defineSftpPacket } from './packet.js';

/** Longest handle string accepted from a client (OpenSSH refuses 256 and more). */
export const MAX_HANDLE_LENGTH = 255;

/** A handle: an opaque `string` of at most {@link MAX_HANDLE_LENGTH} bytes. */
export const handleCodec: FieldCodec<Uint8Array> = {
  label: 'handle',
  read: (r) => r.bytes(MAX_HANDLE_LENGTH),
  write: (w, v) => w.bytes(v),
};

/** A path: a `string` of UTF-8 (invalid UTF-8 is a decode error, so no two byte strings alias). */
export const pathCodec: FieldCodec<string> = t.text;

/** One `string name, string version` pair of INIT/VERSION (draft-ietf-secsh-filexfer-02 §4). */
export interface ExtensionPair {
  readonly name: string;
  readonly data: string;
}

/** Extension pairs up to the end of the packet (last field only). */
export const extensionPairs: FieldCodec<readonly ExtensionPair[]> = {
  label: 'rest',
  read(r) {
    const out: ExtensionPair[] = [];
    while (r.remaining > 0) {
      if (out.length >= 256) throw new DecodeError('too many extensions', 'extensions');
      out.push({ name: r.textLenient(), data: r.textLenient() });
    }
    return out;
  },
  write(w, v) {
    for (const e of v) w.text(e.name).text(e.data);
  },
};

/** One entry of SSH_FXP_NAME (draft-ietf-secsh-filexfer-02 §7). */
export interface NameEntry {
  readonly filename: string;
  readonly longname: string;
  readonly attrs: FileAttrs;
}

/** `uint32 count` then `count` × (filename, longname, ATTRS). */
export const nameEntries: FieldCodec<readonly NameEntry[]> = {
  label: 'names',
  read(r) {
    const count = r.u32();
    const out: NameEntry[] = [];
    for (let i = 0; i < count; i++) {
      out.push({ filename: r.textLenient(), longname: r.textLenient(), attrs: attrsCodec.read(r) });
    }
    return out;
  },
  write(w, v) {
    w.u32(v.length);
    for (const e of v) {
      w.text(e.filename).text(e.longname);
      attrsCodec.write(w, e.attrs);
    }
  },
};

// draft-ietf-secsh-filexfer-02 §4: protocol initialization.
/** SSH_FXP_INIT: client version and (v3+) extension pairs. */
export const FxpInit = defineSftpHello(Fxp.Init, 'INIT', { version: t.u32, extensions: extensionPairs });
/** SSH_FXP_VERSION: server version and the extensions it supports. */
export const FxpVersion = defineSftpHello(Fxp.Version, 'VERSION', {
  version: t.u32,
  extensions: extensionPairs,
});

// §6: requests.
/** SSH_FXP_OPEN (§6.3). */
export const FxpOpen = defineSftpPacket(Fxp.Open, 'OPEN', {
  filename: pathCodec,
  pflags: t.u32,
  attrs: attrsCodec,
});
/** SSH_FXP_CLOSE (§6.3). */
export const FxpClose = defineSftpPacket(Fxp.Close, 'CLOSE', { handle: handleCodec });
/** SSH_FXP_READ (§6.4); the server decodes it by hand on the hot path (see `hot-path.ts`). */
export const FxpRead = defineSftpPacket(Fxp.Read, 'READ', { handle: handleCodec, offset: t.u64, len: t.u32 });
/** SSH_FXP_WRITE (§6.4); decoded by hand on the hot path. */
export const FxpWrite = defineSftpPacket(Fxp.Write, 'WRITE', {
  handle: handleCodec,
  offset: t.u64,
  data: t.bytes,
});
/** SSH_FXP_LSTAT (§6.8). */
export const FxpLstat = defineSftpPacket(Fxp.Lstat, 'LSTAT', { path: pathCodec });
/** SSH_FXP_FSTAT (§6.8). */
export const FxpFstat = defineSftpPacket(Fxp.Fstat, 'FSTAT', { handle: handleCodec });
/** SSH_FXP_SETSTAT (§6.9). */
export const FxpSetstat = defineSftpPacket(Fxp.Setstat, 'SETSTAT', { path: pathCodec, attrs: attrsCodec });
/** SSH_FXP_FSETSTAT (§6.9). */
export const FxpFsetstat = defineSftpPacket(Fxp.Fsetstat, 'FSETSTAT', {
  handle: handleCodec,
  attrs: attrsCodec,
});
/** SSH_FXP_OPENDIR (§6.7). */
export const FxpOpendir = defineSftpPacket(Fxp.Opendir, 'OPENDIR', { path: pathCodec });
/** SSH_FXP_READDIR (§6.7). */
export const FxpReaddir = defineSftpPacket(Fxp.Readdir, 'READDIR', { handle: handleCodec });
/** SSH_FXP_REMOVE (§6.5). */
export const FxpRemove = defineSftpPacket(Fxp.Remove, 'REMOVE', { filename: pathCodec });
/** SSH_FXP_MKDIR (§6.6). */
export const FxpMkdir = defineSftpPacket(Fxp.Mkdir, 'MKDIR', { path: pathCodec, attrs: attrsCodec });
/** SSH_FXP_RMDIR (§6.6). */
export const FxpRmdir = defineSftpPacket(Fxp.Rmdir, 'RMDIR', { path: pathCodec });
/** SSH_FXP_REALPATH (§6.11). */
export const FxpRealpath = defineSftpPacket(Fxp.Realpath, 'REALPATH', { path: pathCodec });
/** SSH_FXP_STAT (§6.8). */
export const FxpStat = defineSftpPacket(Fxp.Stat, 'STAT', { path: pathCodec });
/** SSH_FXP_RENAME (§6.5). */
export const FxpRename = defineSftpPacket(Fxp.Rename, 'RENAME', { oldpath: pathCodec, newpath: pathCodec });
/** SSH_FXP_READLINK (§6.10). */
export const FxpReadlink = defineSftpPacket(Fxp.Readlink, 'READLINK', { path: pathCodec });
/**
 * SSH_FXP_SYMLINK (§6.10). The draft orders the fields linkpath, targetpath; OpenSSH and its
 * derivatives send targetpath first (OpenSSH PROTOCOL §4.1), so the names here are neutral and the
 * server decides from the client's version which is which.
 */
export const FxpSymlink = defineSftpPacket(Fxp.Symlink, 'SYMLINK', { first: pathCodec, second: pathCodec });
/** SSH_FXP_EXTENDED (§8): request name, then request-specific data. */
export const FxpExtended = defineSftpPacket(Fxp.Extended, 'EXTENDED', { request: t.text, data: t.rest });

// §7: replies.
/** SSH_FXP_STATUS. */
export const FxpStatus = defineSftpPacket(Fxp.Status, 'STATUS', {
  code: t.u32,
  message: t.textLenient,
  language: t.textLenient,
});
/** SSH_FXP_HANDLE. */
export const FxpHandle = defineSftpPacket(Fxp.Handle, 'HANDLE', { handle: t.bytes });
/** SSH_FXP_DATA; the server writes it by hand on the hot path. */
export const FxpData = defineSftpPacket(Fxp.Data, 'DATA', { data: t.bytes });
/** SSH_FXP_NAME. */
export const FxpName = defineSftpPacket(Fxp.Name, 'NAME', { names: nameEntries });
/** SSH_FXP_ATTRS. */
export const FxpAttrs = defineSftpPacket(Fxp.Attrs, 'ATTRS', { attrs: attrsCodec });
/** SSH_FXP_EXTENDED_REPLY: request-specific data. */
export const FxpExtendedReply = defineSftpPacket(Fxp.ExtendedReply, 'EXTENDED_REPLY', { data: t.rest });
