import { Fxp } from '../constants.js';
import { opendirRequest, readdirRequest } from './dir-requests.js';
import { extendedRequest, servedExtensionNames } from './extensions.js';
import {
  closeRequest,
  fsetstatRequest,
  fstatRequest,
  openRequest,
  readRequest,
  writeRequest,
} from './file-requests.js';
import {
  lstatRequest,
  mkdirRequest,
  readlinkRequest,
  realpathRequest,
  removeRequest,
  renameRequest,
  rmdirRequest,
  setstatRequest,
  statRequest,
  symlinkRequest,
} from './path-requests.js';
import type { RequestHandler } from './types.js';

/**
 * The names SFTP operations are reported by (`sftp.op` events): each request's (`OPEN`, `READDIR`,
 * …) and each served extension's.
 */
export function sftpOperationNames(): ReadonlySet<string> {
  const core = requestTable().flatMap((h) => (h ? [h.name] : []));
  return new Set([...core, ...servedExtensionNames()]);
}

/** Request handlers indexed by packet type (a 256-slot table; empty slots are OP_UNSUPPORTED). */
export function requestTable(): readonly (RequestHandler | undefined)[] {
  const table: (RequestHandler | undefined)[] = new Array(256).fill(undefined);
  const add = (type: number, h: RequestHandler): void => {
    table[type] = h;
  };
  add(Fxp.Open, openRequest);
  add(Fxp.Close, closeRequest);
  add(Fxp.Read, readRequest);
  add(Fxp.Write, writeRequest);
  add(Fxp.Lstat, lstatRequest);
  add(Fxp.Fstat, fstatRequest);
  add(Fxp.Setstat, setstatRequest);
  add(Fxp.Fsetstat, fsetstatRequest);
  add(Fxp.Opendir, opendirRequest);
  add(Fxp.Readdir, readdirRequest);
  add(Fxp.Remove, removeRequest);
  add(Fxp.Mkdir, mkdirRequest);
  add(Fxp.Rmdir, rmdirRequest);
  add(Fxp.Realpath, realpathRequest);
  add(Fxp.Stat, statRequest);
  add(Fxp.Rename, renameRequest);
  add(Fxp.Readlink, readlinkRequest);
  add(Fxp.Symlink, symlinkRequest);
  add(Fxp.Extended, extendedRequest);
  return table;
}
