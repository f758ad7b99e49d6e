import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDefaultRegistries } from '../../../src/algorithms/defaults.js';
import { AgentClient, AgentError } from '../../../src/forwarding/agent/agent-client.js';
import {
  AgentMessageReader,
  AgentMsg,
  AgentSignFlags,
  decodeIdentitiesAnswer,
  encodeIdentitiesAnswer,
  frameAgentMessage,
  MAX_AGENT_MESSAGE,
} from '../../../src/forwarding/agent/agent-protocol.js';
import { generatePrivateKey } from '../../../src/keys/generate.js';
import type { PrivateKey } from '../../../src/keys/types.js';
import { DecodeError } from '../../../src/wire/errors.js';
import { run, writeClientKey } from '../../helpers/openssh.js';

describe('agent protocol framing (draft-miller-ssh-agent §3)', () => {
  it('reassembles messages split at every byte, and several in one chunk', () => {
    const a = frameAgentMessage(AgentMsg.Success);
    const b = frameAgentMessage(AgentMsg.SignResponse, Buffer.from('hello'));
    const all = Buffer.concat([a, b]);
    for (let cut = 0; cut <= all.length; cut++) {
      const r = new AgentMessageReader();
      const got = [...r.push(all.subarray(0, cut)), ...r.push(all.subarray(cut))];
      expect(got.map((m) => [m.type, m.body.toString()])).toEqual([
        [AgentMsg.Success, ''],
        [AgentMsg.SignResponse, 'hello'],
      ]);
    }
  });

  it('refuses empty and oversized messages', () => {
    expect(() => new AgentMessageReader().push(Buffer.from([0, 0, 0, 0]))).toThrow(DecodeError);
    const huge = Buffer.alloc(4);
    huge.writeUInt32BE(MAX_AGENT_MESSAGE + 1);
    expect(() => new AgentMessageReader().push(huge)).toThrow(DecodeError);
  });

  it('round-trips identities and rejects a count larger than the data', () => {
    const ids = [
      { keyBlob: Buffer.from('key-1'), comment: 'one' },
      { keyBlob: Buffer.from('key-2'), comment: '' },
    ];
    expect(decodeIdentitiesAnswer(encodeIdentitiesAnswer(ids))).toEqual(ids);
    const lying = Buffer.from([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]);
    expect(() => decodeIdentitiesAnswer(lying)).toThrow(DecodeError);
    expect(() =>
      decodeIdentitiesAnswer(Buffer.concat([encodeIdentitiesAnswer(ids), Buffer.from([0])])),
    ).toThrow(DecodeError);
  });

  it('fails every request after a protocol error, and on a message nobody asked for', async () => {
    const toAgent = new PassThrough();
    const fromAgent = new PassThrough();
    const client = new AgentClient(fromAgent, toAgent);
    const listing = client.list();
    fromAgent.write(Buffer.from([0, 0, 0, 0]));
    await expect(listing).rejects.toThrow(AgentError);
    await expect(client.list()).rejects.toThrow(AgentError);

    const other = new AgentClient(new PassThrough(), new PassThrough());
    const from2 = new PassThrough();
    const c2 = new AgentClient(from2, new PassThrough());
    from2.write(frameAgentMessage(AgentMsg.Success));
    await new Promise((r) => setImmediate(r));
    await expect(c2.list()).rejects.toThrow(/nobody asked/);
    other.close();
    await expect(other.list()).rejects.toThrow(AgentError);
  });

  it('times out an agent that never answers', async () => {
    const client = new AgentClient(new PassThrough(), new PassThrough(), { timeoutMs: 50 });
    await expect(client.list()).rejects.toThrow(/in time/);
  });
});

describe('AgentClient against OpenSSH ssh-agent', () => {
  let dir: string;
  let agent: ChildProcess;
  let sock: string;
  let ed: PrivateKey;
  let rsa: PrivateKey;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sshd-kit-agent-test-'));
    sock = join(dir, 'agent.sock');
    agent = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
    ed = await generatePrivateKey('ed25519', { comment: 'ed-key' });
    rsa = await generatePrivateKey('rsa', { bits: 2048, comment: 'rsa-key' });
    const env = { ...process.env, SSH_AUTH_SOCK: sock };
    for (let i = 0; i < 50; i++) {
      if ((await run('ssh-add', ['-l'], { env })).code !== 2) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    for (const [name, key] of [
      ['ed', ed],
      ['rsa', rsa],
    ] as const) {
      const added = await run('ssh-add', [await writeClientKey(dir, name, key)], { env });
      expect(added.code, added.stderr).toBe(0);
    }
  });

  afterAll(() => {
    agent.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  const open = async () => {
    const socket = connect(sock);
    await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    return new AgentClient(socket, socket);
  };

  it('lists the keys and signs with ed25519 and RSA SHA-2', async () => {
    const client = await open();
    const ids = await client.list();
    expect(ids.map((i) => i.comment).sort()).toEqual(['ed-key', 'rsa-key']);
    expect(ids.some((i) => Buffer.from(i.keyBlob).equals(Buffer.from(ed.publicKey.blob)))).toBe(true);
    const registries = createDefaultRegistries();
    const data = Buffer.from('sign me');
    const edSig = await client.sign(ed.publicKey.blob, data);
    expect(registries.hostKey.get('ssh-ed25519')!.verify(ed.publicKey, data, edSig)).toBe(true);
    const rsaSig = await client.sign(rsa.publicKey.blob, data, AgentSignFlags.RsaSha2_512);
    expect(registries.hostKey.get('rsa-sha2-512')!.verify(rsa.publicKey, data, rsaSig)).toBe(true);
    client.close();
  });

  it('reports a refusal for a key the agent does not hold, and keeps working', async () => {
    const client = await open();
    const stranger = await generatePrivateKey('ed25519');
    await expect(client.sign(stranger.publicKey.blob, Buffer.from('x'))).rejects.toThrow(/refused/);
    expect((await client.list()).length).toBe(2);
    client.close();
  });
});
