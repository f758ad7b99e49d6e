import { PassThrough } from 'node:stream';
import { Fxp } from '../../src/sftp/constants.js';
import { startSftpSession } from '../../src/sftp/session.js';
import { createLocalVfs } from '../../src/sftp/vfs/local/local-fs.js';
import { createMemoryVfs } from '../../src/sftp/vfs/memory-fs.js';
import { WireWriter } from '../../src/wire/index.js';
import type { Dice } from './dice.js';
import { randomSftpRequest } from './sftp-packets.js';
import type { FuzzWorld } from './world.js';

/** Counts over a run of SFTP sessions. */
export interface SftpFuzzStats {
  requests: number;
  replies: number;
  handles: number;
  /** Sessions the server ended itself (a protocol violation it may end on). */
  endedByServer: number;
}

/** A new, empty {@link SftpFuzzStats}. */
export function sftpFuzzStats(): SftpFuzzStats {
  return { requests: 0, replies: 0, handles: 0, endedByServer: 0 };
}

/**
 * One SFTP session straight over streams, on the world's jailed home (no SSH in between, so
 * thousands of requests a second): pipelined batches of random requests whose frame, type and id
 * stay intact, the rest random or damaged. Beyond the world's checks it holds the protocol's own
 * rule: every request gets exactly one reply, with its id, and no reply comes for an id never
 * sent. Problems go to `world.problems`.
 */
export async function fuzzSftpSession(
  world: FuzzWorld,
  d: Dice,
  options: { requests: number; trace: string[]; stats: SftpFuzzStats },
): Promise<void> {
  const { trace, stats } = options;
  const toServer = new PassThrough();
  const fromServer = new PassThrough();
  const clientVersion = d.pick(['SSH-2.0-OpenSSH_9.2p1', 'SSH-2.0-ssh2js1.17.0', 'SSH-2.0-paramiko_3.1']);
  // The jailed home as accounts get it, with each option varied; now and then the memory backend.
  const vfs = d.chance(0.1)
    ? createMemoryVfs()
    : createLocalVfs({
        root: world.root,
        readOnly: d.chance(0.15),
        umask: d.pick([0o022, 0o077, 0]),
        allowSymlinks: d.pick(['inside', 'never'] as const),
        atomicUploads: d.chance(0.8),
        fsyncOnClose: d.chance(0.1),
      });
  const done = startSftpSession(
    { input: toServer, output: fromServer },
    { vfs, log: world.log, clientVersion },
  );
  let ended = false;
  void done.then(() => (ended = true));

  const pending = new Set<number>();
  const handles: Buffer[] = [];
  let versionSeen = false;
  let input = Buffer.alloc(0);
  let wake: (() => void) | undefined;
  fromServer.on('data', (chunk: Buffer) => {
    input = Buffer.concat([input, chunk]);
    while (input.length >= 4 && input.length >= 4 + input.readUInt32BE(0)) {
      const packet = input.subarray(4, 4 + input.readUInt32BE(0));
      input = input.subarray(4 + packet.length);
      if (packet[0] === Fxp.Version && !versionSeen) {
        versionSeen = true;
        continue;
      }
      const id = packet.length >= 5 ? packet.readUInt32BE(1) : -1;
      if (!pending.delete(id))
        world.problems.push(`SFTP reply (type ${packet[0]}) for id ${id}, which has none pending`);
      stats.replies++;
      if (packet[0] === Fxp.Handle && packet.length >= 9) {
        handles.push(Buffer.from(packet.subarray(9, 9 + packet.readUInt32BE(5))));
        stats.handles++;
      }
    }
    if (pending.size === 0) wake?.();
  });
  /** Waits until every request sent has its reply, or the session ended, or 10 s passed. */
  const settle = async (): Promise<void> => {
    if (pending.size === 0 || ended) return;
    await Promise.race([
      new Promise<void>((resolve) => (wake = resolve)),
      done,
      new Promise((resolve) => setTimeout(resolve, 10_000)),
    ]);
    wake = undefined;
    if (pending.size > 0 && !ended)
      world.problems.push(`no SFTP reply to ids ${[...pending].slice(0, 10).join(', ')}`);
  };

  const init = new WireWriter().u32(5).byte(Fxp.Init).u32(3).finish();
  toServer.write(init);
  let nextId = 1;
  let sent = 0;
  while (sent < options.requests && !ended) {
    const batch: Buffer[] = [];
    for (let i = 0, n = 1 + d.int(16); i < n; i++) {
      // Now and then an id at the top of the range (never one still pending).
      const edge = 0xffffffff - d.int(4);
      const id = d.chance(0.001) && !pending.has(edge) ? edge : nextId++;
      batch.push(randomSftpRequest(d, id, handles, true));
      pending.add(id);
      sent++;
      stats.requests++;
    }
    // Sometimes as one write, sometimes cut at random points.
    const bytes = Buffer.concat(batch);
    if (d.chance(0.7)) toServer.write(bytes);
    else {
      for (let at = 0, cut = 0; at < bytes.length; at += cut) {
        cut = 1 + d.int(2000);
        toServer.write(bytes.subarray(at, at + cut));
      }
    }
    trace.push(`batch of ${batch.length} (types ${batch.map((b) => b[4]).join(',')})`);
    if (d.chance(0.6)) await settle();
    if (handles.length > 64) handles.splice(0, handles.length - 64);
  }
  await settle();
  if (ended) stats.endedByServer++;
  toServer.end();
  await done;
}
