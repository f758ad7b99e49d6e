import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDefaultRegistries } from '../../src/algorithms/defaults.js';
import type { ForwardingPolicy } from '../../src/forwarding/index.js';
import { fingerprintSha256 } from '../../src/keys/fingerprint.js';
import { generatePrivateKey } from '../../src/keys/generate.js';
import { parsePublicKeyBlob } from '../../src/keys/public-key.js';
import type { PrivateKey } from '../../src/keys/types.js';
import type { ShellHandler } from '../../src/session/types.js';
import { run, ssh, writeClientKey } from '../helpers/openssh.js';
import { sshWithAgent, startForwardingServer, type ForwardingFixture } from './forwarding-helpers.js';

// Agent forwarding with the real OpenSSH client: `ssh -A` gives the remote shell an SSH_AUTH_SOCK through
// which `ssh-add -l` lists the client's keys, and a plugin signs with them via agentFor().

/** Answers `exec agent-sign`: lists the forwarded agent's keys and signs a fixed text with the first. */
function agentSigner(fx: () => ForwardingFixture): ShellHandler {
  return {
    name: 'agent-sign@test',
    serves: ['exec'],
    requires: 'exec',
    accept(command, ctx) {
      if (command.kind !== 'exec' || command.command !== 'agent-sign') return { kind: 'decline' };
      return {
        kind: 'run',
        async run(io) {
          const agent = fx().ts.server.forwarding.agentFor(ctx);
          if (!agent) {
            io.stdout.write('no agent\n');
            return 1;
          }
          const keys = await agent.list();
          const signature = await agent.sign(keys[0]!.keyBlob, Buffer.from('jump host challenge'));
          io.stdout.write(
            `${JSON.stringify({
              keys: keys.map((k) => ({
                blob: Buffer.from(k.keyBlob).toString('base64'),
                comment: k.comment,
              })),
              signature: Buffer.from(signature).toString('base64'),
            })}\n`,
          );
          return 0;
        },
      };
    },
  };
}

describe('agent forwarding with OpenSSH ssh', () => {
  let fx: ForwardingFixture;
  let agent: ChildProcess;
  let agentSock: string;
  let agentKey: PrivateKey;

  const sshAlice = (command: string) => sshWithAgent(fx, agentSock, command);

  beforeAll(async () => {
    fx = await startForwardingServer();
    fx.ts.server.shells.add(
      agentSigner(() => fx),
      'test',
    );
    agentSock = join(fx.dir, 'client-agent.sock');
    agent = spawn('ssh-agent', ['-D', '-a', agentSock], { stdio: 'ignore' });
    agentKey = await generatePrivateKey('ed25519', { comment: 'forwarded-key' });
    const env = { ...process.env, SSH_AUTH_SOCK: agentSock };
    for (let i = 0; i < 100 && !existsSync(agentSock); i++) await new Promise((r) => setTimeout(r, 20));
    const added = await run('ssh-add', [await writeClientKey(fx.dir, 'agent_key', agentKey)], { env });
    expect(added.code, added.stderr).toBe(0);
  });
  afterAll(async () => {
    agent.kill();
    await fx.close();
  });

  it('ssh -A: ssh-add -l in the remote shell lists the client agent keys', async () => {
    const r = await sshAlice('echo "sock=$SSH_AUTH_SOCK"; ssh-add -l; ssh-add -L');
    expect(r.code, r.stderr).toBe(0);
    const out = r.stdout.toString();
    expect(out).toContain(fingerprintSha256(agentKey.publicKey));
    expect(out).toContain('forwarded-key');
    expect(out).toContain(Buffer.from(agentKey.publicKey.blob).toString('base64'));
    const sock = /sock=(\S+)/.exec(out)![1]!;
    // The socket went away with the session.
    for (let i = 0; i < 50 && existsSync(sock); i++) await new Promise((r) => setTimeout(r, 20));
    expect(existsSync(sock)).toBe(false);
  });

  it('the socket is private (directory 0700, socket 0600), and many agent connections work at once', async () => {
    const r = await sshAlice(
      'stat -c %a "$(dirname "$SSH_AUTH_SOCK")" "$SSH_AUTH_SOCK"; ' +
        'for i in $(seq 1 20); do ssh-add -l > /dev/null & done; wait; ssh-add -l | wc -l',
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.toString().trim().split('\n')).toEqual(['700', '600', '1']);
  });

  it('a plugin lists and signs with the forwarded agent (agentFor)', async () => {
    const r = await sshAlice('agent-sign');
    expect(r.code, r.stderr + r.stdout.toString()).toBe(0);
    const answer = JSON.parse(r.stdout.toString()) as {
      keys: { blob: string; comment: string }[];
      signature: string;
    };
    expect(answer.keys).toEqual([
      { blob: Buffer.from(agentKey.publicKey.blob).toString('base64'), comment: 'forwarded-key' },
    ]);
    const key = parsePublicKeyBlob(Buffer.from(answer.keys[0]!.blob, 'base64'));
    const verified = createDefaultRegistries()
      .hostKey.get('ssh-ed25519')!
      .verify(key, Buffer.from('jump host challenge'), Buffer.from(answer.signature, 'base64'));
    expect(verified).toBe(true);
  });

  it('without -A there is no SSH_AUTH_SOCK and agentFor() has no agent', async () => {
    const r = await ssh(fx.port, [
      '-i',
      fx.keyPath,
      'alice@127.0.0.1',
      'echo "[$SSH_AUTH_SOCK]"; agent-sign',
    ]);
    expect(r.stdout.toString()).toContain('[]');
    const plugin = await ssh(fx.port, ['-i', fx.keyPath, 'alice@127.0.0.1', 'agent-sign']);
    expect(plugin.code).toBe(1);
    expect(plugin.stdout.toString()).toContain('no agent');
  });
});

describe('agent forwarding policy', () => {
  const refused = async (forwarding: ForwardingPolicy | undefined, agentForwarding: boolean) => {
    const fx = await startForwardingServer({
      ...(forwarding ? { forwarding } : {}),
      permissions: { agentForwarding },
    });
    const agent = spawn('ssh-agent', ['-D', '-a', join(fx.dir, 'a.sock')], { stdio: 'ignore' });
    try {
      for (let i = 0; i < 100 && !existsSync(join(fx.dir, 'a.sock')); i++)
        await new Promise((r) => setTimeout(r, 20));
      const r = await sshWithAgent(fx, join(fx.dir, 'a.sock'), 'echo "[$SSH_AUTH_SOCK]"');
      expect(r.code, r.stderr).toBe(0);
      return r.stdout.toString().trim();
    } finally {
      agent.kill();
      await fx.close();
    }
  };

  it('is refused for an account without agent forwarding', async () => {
    expect(await refused(undefined, false)).toBe('[]');
  });

  it('is refused when the server turns it off (allowAgentForwarding: false)', async () => {
    expect(await refused({ allowAgentForwarding: false }, true)).toBe('[]');
  });

  it('is granted when both allow it', async () => {
    expect(await refused(undefined, true)).toMatch(/^\[\/.+\/agent\.sock\]$/);
  });
});
