import net from 'node:net';
import { ChannelDataCodec } from '../../src/connection/messages.js';
import { Msg } from '../../src/protocol/numbers.js';
import { Fxp } from '../../src/sftp/constants.js';
import { WireReader, WireWriter } from '../../src/wire/index.js';
import { loggedInClient } from '../helpers/raw-channel.js';
import type { RawClient } from '../helpers/raw-client.js';
import type { Dice } from './dice.js';
import { randomSftpRequest } from './sftp-packets.js';
import type { FuzzWorld } from './world.js';

/**
 * Commands a fuzzed exec may run: fixed, harmless ones (the server runs them as itself), and the
 * in-process scp in both directions, inside and outside the jail.
 */
const COMMANDS = [
  'cat',
  'true',
  'echo hi',
  'head -c 10',
  'scp -t .',
  'scp -r -t dir',
  'scp -d -t dir',
  'scp -t ../outside',
  'scp -f file',
  'scp -r -f dir',
  'scp -p -f dir/small',
  'scp -f out/CANARY',
];

/** What an scp sink or source is fed: protocol lines, good and bad, and stray bytes. */
const SCP_INPUT = [
  'C0644 5 f\n',
  'C0644 5 ../x\n',
  'C0644 5 out\n',
  'C0644 3 a/b\n',
  'C0644 1 \n',
  'C0644 99999999999999999999 f\n',
  'C7777 0 f\n',
  'Cxyz 1 f\n',
  'D0755 0 sub\n',
  'D0755 0 ..\n',
  'E\n',
  'T1 0 2 0\n',
  'T99999999999999999999 0 1 0\n',
  'hello',
  '\0',
  '\x01oops\n',
  '\x02fatal\n',
  '',
];

const CHANNEL_REQUESTS = [
  'subsystem',
  'exec',
  'exec',
  'pty-req',
  'env',
  'window-change',
  'signal',
  'break',
  'x11-req',
  'auth-agent-req@openssh.com',
  'eow@openssh.com',
  'keepalive@openssh.com',
  'exit-status',
  'xon-xoff',
  'shell-nope',
  '',
];

const GLOBAL_REQUESTS = [
  'tcpip-forward',
  'cancel-tcpip-forward',
  'keepalive@openssh.com',
  'hostkeys-prove-00@openssh.com',
  'streamlocal-forward@openssh.com',
  'cancel-streamlocal-forward@openssh.com',
  'bogus',
];

interface FuzzChannel {
  /** Our number for it. */
  readonly local: number;
  readonly session: boolean;
  /** The server's number, once it confirmed. */
  remote?: number;
  /** A request (exec, subsystem, pty...) was sent on it. */
  started: boolean;
  /** Its first request asked for the sftp subsystem; SFTP requests go there. */
  sftp: boolean;
  /** Its first request ran scp; scp protocol lines go there. */
  scp: boolean;
  /** We sent or answered CHANNEL_CLOSE: nothing more goes to it. */
  closed: boolean;
  /** SFTP handles the server gave on it, and replies not yet whole. */
  readonly handles: Buffer[];
  sftpInput: Buffer;
}

/** Counts over a run, to see the fuzzer reaches deep (handles, replies) and how peers end. */
export interface ConnectionFuzzStats {
  actions: number;
  handles: number;
  sftpReplies: number;
  /** Channels the server opened to us (connections to ports it forwards). */
  serverOpens: number;
  readonly endings: Map<string, number>;
}

/** A new, empty {@link ConnectionFuzzStats}. */
export function connectionFuzzStats(): ConnectionFuzzStats {
  return { actions: 0, handles: 0, sftpReplies: 0, serverOpens: 0, endings: new Map() };
}

/**
 * Logs in and sends `actions` random connection-layer messages (RFC 4254): channel opens of every
 * type, session requests, SFTP requests, scp protocol lines, window adjusts, EOF and CLOSE, global
 * requests, stray message numbers, rekeys, each now and then damaged or aimed at a channel that
 * does not exist. Ends early when the server disconnects (the right answer to much of it).
 * `trace` gets one line per action, for replaying a failure.
 */
export async function fuzzConnection(
  world: FuzzWorld,
  d: Dice,
  options: { actions: number; mangleRate: number; trace: string[]; stats: ConnectionFuzzStats },
): Promise<void> {
  const { trace, stats } = options;
  const client: RawClient = await loggedInClient(world.port);
  const channels: FuzzChannel[] = [];
  /** Ports the server listens on for us (tcpip-forward with port 0), and our connections to them. */
  const forwardedPorts: number[] = [];
  const sockets: net.Socket[] = [];
  let nextLocal = 0;
  let nextSftpId = 1;

  const send = (payload: Buffer, mayDamage = true): void =>
    client.transport.send(mayDamage && d.chance(options.mangleRate) ? d.mangle(payload) : payload);
  const live = (): FuzzChannel[] => channels.filter((c) => c.remote !== undefined && !c.closed);
  const anyLive = (): FuzzChannel | undefined => {
    const l = live();
    return l.length ? d.pick(l) : undefined;
  };
  /** A live channel's server number; rarely (always, with none live) one the server never gave. */
  const target = (): number | undefined => {
    const c = anyLive();
    if (c && !d.chance(0.0005)) return c.remote;
    return c || d.chance(0.002) ? d.u32() : undefined;
  };
  const byLocal = (local: number): FuzzChannel | undefined => channels.find((c) => c.local === local);

  /**
   * Answers a channel the server opens (a connection to a port it forwards for us): confirms it,
   * refuses it, answers garbage, or never answers.
   */
  const answerOpen = (p: Buffer): void => {
    const r = new WireReader(p, 1);
    r.text();
    const serverId = r.u32();
    const how = d.int(10);
    if (how < 6) {
      const local = nextLocal++;
      client.transport.send(
        new WireWriter()
          .byte(Msg.ChannelOpenConfirmation)
          .u32(serverId)
          .u32(local)
          .u32(d.chance(0.95) ? 1 << 20 : d.u32())
          .u32(d.chance(0.95) ? 32768 : d.pick([0, 1, 0xffffffff]))
          .finish(),
      );
      channels.push({ ...newChannel(local, false), remote: serverId });
    } else if (how < 8) {
      const w = new WireWriter()
        .byte(Msg.ChannelOpenFailure)
        .u32(serverId)
        .u32(d.pick([1, 2, 3, 4, 99]));
      client.transport.send(w.text('no').text('').finish());
    } else if (how < 9) {
      client.transport.send(
        d.mangle(new WireWriter().byte(Msg.ChannelOpenConfirmation).u32(serverId).finish()),
      );
    }
    stats.serverOpens++;
    trace.push(`answered open by the server (${how})`);
  };

  /** Reads what the server sent: channel numbers, closes to answer, SFTP handles; keeps windows open. */
  const takeReplies = (): void => {
    for (let p = client.poll(); p; p = client.poll()) {
      if (p[0] === Msg.RequestSuccess && p.length === 5) forwardedPorts.push(p.readUInt32BE(1));
      else if (p[0] === Msg.ChannelOpen) answerOpen(p);
      else if (p[0] === Msg.ChannelOpenConfirmation) {
        const r = new WireReader(p, 1);
        const c = byLocal(r.u32());
        if (c) c.remote = r.u32();
      } else if (p[0] === Msg.ChannelClose) {
        const c = byLocal(p.readUInt32BE(1));
        if (c && !c.closed && c.remote !== undefined) {
          client.transport.send(new WireWriter().byte(Msg.ChannelClose).u32(c.remote).finish());
          c.closed = true;
        }
      } else if (p[0] === Msg.ChannelData) {
        const r = new WireReader(p, 1);
        const c = byLocal(r.u32());
        const data = r.bytes();
        if (c?.remote === undefined || c.closed) continue;
        client.transport.send(
          new WireWriter().byte(Msg.ChannelWindowAdjust).u32(c.remote).u32(data.length).finish(),
        );
        if (c.sftp) readSftpReplies(c, data);
      }
    }
  };
  const readSftpReplies = (c: FuzzChannel, data: Uint8Array): void => {
    c.sftpInput = Buffer.concat([c.sftpInput, data]);
    while (c.sftpInput.length >= 5 && c.sftpInput.length >= 4 + c.sftpInput.readUInt32BE(0)) {
      const packet = c.sftpInput.subarray(4, 4 + c.sftpInput.readUInt32BE(0));
      c.sftpInput = c.sftpInput.subarray(4 + packet.length);
      stats.sftpReplies++;
      if (packet[0] === Fxp.Handle && packet.length >= 9) {
        c.handles.push(Buffer.from(packet.subarray(9, 9 + packet.readUInt32BE(5))));
        stats.handles++;
      }
    }
  };

  const openChannel = (): void => {
    const local = d.chance(0.995) ? nextLocal++ : d.u32();
    const type = d.chance(0.5)
      ? 'session'
      : d.pick([
          'session',
          'direct-tcpip',
          'direct-streamlocal@openssh.com',
          'x11',
          'forwarded-tcpip',
          'bogus',
        ]);
    const w = new WireWriter().byte(Msg.ChannelOpen).text(type).u32(local);
    w.u32(d.chance(0.99) ? 1 << 20 : d.u32()).u32(d.chance(0.95) ? 32768 : d.u32());
    if (type === 'direct-tcpip') {
      w.text(d.pick(['127.0.0.1', 'localhost', '', '::1'])).u32(d.chance(0.8) ? world.echoPort : d.u32());
      w.text('192.0.2.1').u32(1234);
    } else if (type === 'direct-streamlocal@openssh.com') {
      w.text(d.pick(['/nonexistent.sock', '', 'x'.repeat(200)]))
        .text('')
        .u32(0);
    } else if (type !== 'session') w.raw(d.bytes(d.int(20)));
    send(w.finish());
    channels.push(newChannel(local, type === 'session'));
    trace.push(`open ${type} as ${local}`);
  };

  /** Connects to a port the server forwards for us, so the server opens a channel to us. */
  const connectForwarded = (): void => {
    if (!forwardedPorts.length) return;
    const port = d.pick(forwardedPorts);
    const socket = net.connect(port, '127.0.0.1');
    socket.on('error', () => undefined);
    socket.on('connect', () => socket.write(d.bytes(d.int(200))));
    sockets.push(socket);
    trace.push(`connect to forwarded port ${port}`);
  };

  const channelRequest = (): void => {
    const c = anyLive();
    const id = c && !d.chance(0.0005) ? c.remote! : target();
    if (id === undefined) return;
    const first = c !== undefined && c.session && !c.started;
    if (c) c.started = true;
    const type = first && d.chance(0.6) ? 'subsystem' : d.pick(CHANNEL_REQUESTS);
    const w = new WireWriter().byte(Msg.ChannelRequest).u32(id).text(type).bool(d.chance(0.7));
    let mayDamage = true;
    switch (type) {
      case 'subsystem': {
        const name = d.chance(0.9) ? 'sftp' : d.pick(['', 'nope', 'sftp\0', 'x'.repeat(500)]);
        w.text(name);
        if (c && first && name === 'sftp') c.sftp = true;
        break;
      }
      case 'exec': {
        const command = d.pick(COMMANDS);
        w.text(command);
        mayDamage = false; // the server runs commands: only ever the harmless ones above
        if (c && first && command.startsWith('scp')) c.scp = true;
        break;
      }
      case 'pty-req':
        w.text(d.pick(['xterm', '', 'x'.repeat(300)]))
          .u32(d.u32())
          .u32(d.u32())
          .u32(d.u32())
          .u32(d.u32());
        w.bytes(d.chance(0.8) ? Buffer.from([1, 0, 0, 0, 3, 0]) : d.bytes(d.int(40)));
        break;
      case 'env':
        w.text(d.pick(['LANG', 'LC_ALL', 'FUZZ_X', 'LD_PRELOAD', '', 'A=B']));
        w.text(d.pick(['C', '/nonexistent', '', 'x'.repeat(1000)]));
        break;
      case 'window-change':
        w.u32(d.u32()).u32(d.u32()).u32(d.u32()).u32(d.u32());
        break;
      case 'signal':
        w.text(d.pick(['TERM', 'KILL', 'INT', 'bogus', '']));
        break;
      case 'break':
      case 'exit-status':
        w.u32(d.u32());
        break;
      case 'x11-req':
        w.bool(false).text('MIT-MAGIC-COOKIE-1').text('00').u32(0);
        break;
      default:
        w.raw(d.bytes(d.int(8)));
    }
    send(w.finish(), mayDamage);
    trace.push(`request ${type} on ${id}`);
    if (c?.sftp && type === 'subsystem') {
      const init = new WireWriter().u32(5).byte(Fxp.Init).u32(3).finish();
      client.transport.send(ChannelDataCodec.encode(id, init));
    }
  };

  const channelData = (): void => {
    const c = anyLive();
    if (!c) return;
    let data: Buffer;
    if (c.sftp) {
      const count = 1 + d.int(4);
      data = Buffer.concat(
        Array.from({ length: count }, () => randomSftpRequest(d, nextSftpId++, c.handles)),
      );
    } else if (c.scp) data = Buffer.from(d.pick(SCP_INPUT));
    else if (c.session && !c.started && !d.chance(0.05)) return;
    else data = d.bytes(d.pick([0, 1, 100, 5000]));
    // Sometimes split, so frames straddle CHANNEL_DATA messages.
    if (data.length > 2 && d.chance(0.3)) {
      const cut = 1 + d.int(data.length - 1);
      send(ChannelDataCodec.encode(c.remote!, data.subarray(0, cut)));
      send(ChannelDataCodec.encode(c.remote!, data.subarray(cut)));
    } else send(ChannelDataCodec.encode(c.remote!, data));
    trace.push(`data ${data.length} on ${c.remote}${c.sftp ? ' (sftp)' : c.scp ? ' (scp)' : ''}`);
  };

  const channelMessage = (kind: 'adjust' | 'extended' | 'eof' | 'close'): void => {
    const id = target();
    if (id === undefined) return;
    const w = new WireWriter();
    if (kind === 'adjust')
      w.byte(Msg.ChannelWindowAdjust)
        .u32(id)
        .u32(d.chance(0.995) ? d.int(1 << 16) : d.u32());
    else if (kind === 'extended')
      w.byte(Msg.ChannelExtendedData)
        .u32(id)
        .u32(d.pick([0, 1, 2]))
        .bytes(d.bytes(d.int(100)));
    else w.byte(kind === 'eof' ? Msg.ChannelEof : Msg.ChannelClose).u32(id);
    send(w.finish());
    if (kind === 'close') {
      const c = live().find((x) => x.remote === id);
      if (c) c.closed = true;
    }
    trace.push(`${kind} ${id}`);
  };

  const globalRequest = (): void => {
    const name = d.chance(0.01) ? 'no-more-sessions@openssh.com' : d.pick(GLOBAL_REQUESTS);
    const w = new WireWriter().byte(Msg.GlobalRequest).text(name).bool(d.chance(0.8));
    if (name.includes('tcpip')) {
      w.text(d.chance(0.5) ? '127.0.0.1' : d.pick(['', 'localhost', '0.0.0.0', '::1', 'x'.repeat(300)]));
      w.u32(d.chance(0.7) ? 0 : d.u32());
    } else if (name === 'hostkeys-prove-00@openssh.com') {
      w.bytes(d.chance(0.7) ? d.pick(world.server.hostKeys).publicKey.blob : d.bytes(d.int(50)));
    } else if (name.includes('streamlocal')) w.text(d.pick(['/nonexistent/fuzz.sock', '', 'relative']));
    send(w.finish());
    trace.push(`global ${name}`);
  };

  const strayMessage = (): void => {
    const type = d.pick([
      Msg.Ignore,
      Msg.Debug,
      Msg.Unimplemented,
      Msg.Ping,
      Msg.Pong,
      Msg.ServiceAccept,
      Msg.ExtInfo,
      Msg.UserauthRequest,
      Msg.UserauthSuccess,
      Msg.UserauthPkOk,
      Msg.RequestSuccess,
      Msg.RequestFailure,
      Msg.ChannelOpenConfirmation,
      Msg.ChannelOpenFailure,
      Msg.ChannelSuccess,
      Msg.ChannelFailure,
      150,
      255,
    ]);
    send(Buffer.concat([Buffer.from([type]), d.bytes(d.int(20))]), false);
    trace.push(`message ${type}`);
  };

  let done = 0;
  for (; done < options.actions && client.transport.isOpen; done++) {
    takeReplies();
    const roll = d.int(100);
    if (roll < 8) openChannel();
    else if (roll < 26) channelRequest();
    else if (roll < 70) channelData();
    else if (roll < 74) channelMessage('adjust');
    else if (roll < 77) channelMessage('extended');
    else if (roll < 81) channelMessage('eof');
    else if (roll < 84) channelMessage('close');
    else if (roll < 91) globalRequest();
    else if (roll < 92) connectForwarded();
    else if (roll < 93 && d.chance(0.1)) strayMessage();
    else if (roll < 94 && d.chance(0.3)) {
      client.transport.rekey();
      trace.push('rekey');
    }
    // Let the server act in between, mostly briefly, sometimes long enough to finish something.
    await new Promise((resolve) => setTimeout(resolve, d.chance(0.9) ? 1 : 10));
  }
  await new Promise((resolve) => setTimeout(resolve, 50));
  takeReplies();
  stats.actions += done;
  // Grouped: numbers and the details of a malformed message left out.
  const ending =
    client.disconnectReason?.message.replace(/\d+/g, 'N').replace(/(malformed message: [A-Z_]+).*/, '$1') ??
    'still open';
  stats.endings.set(ending, (stats.endings.get(ending) ?? 0) + 1);
  client.close();
  for (const socket of sockets) socket.destroy();
}

function newChannel(local: number, session: boolean): FuzzChannel {
  return {
    local,
    session,
    started: false,
    sftp: false,
    scp: false,
    closed: false,
    handles: [],
    sftpInput: Buffer.alloc(0),
  };
}
