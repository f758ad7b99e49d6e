/** The machine's physical limits: OpenSSL single-core AEAD speed and loopback TCP throughput. */
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import type { BenchContext } from '../lib/context.js';
import { runProcess } from '../lib/exec.js';

/** `openssl speed -evp ALG` on 16 KiB blocks, one core: MB/s. */
async function opensslSpeed(alg: string, seconds: number): Promise<number> {
  const r = await runProcess(
    'openssl',
    ['speed', '-evp', alg, '-bytes', '16384', '-seconds', String(seconds)],
    {
      capture: true,
    },
  );
  const line = r.stdout
    .split('\n')
    .reverse()
    .find((l) => /\d+(\.\d+)?k\s*$/.test(l));
  const m = line ? /([\d.]+)k\s*$/.exec(line) : null;
  if (!m) throw new Error(`openssl speed ${alg}: unexpected output ${r.stdout.slice(-300)}`);
  return (Number(m[1]) * 1000) / 1e6;
}

const SINK = `require('net').createServer((s) => s.resume()).listen(0, '127.0.0.1', function () {
  process.stdout.write(this.address().port + '\\n');
});`;

/** Bytes from this process to a sink process over loopback TCP, 1 MiB writes: MB/s. */
async function loopbackTcp(bytes: number): Promise<number> {
  const sink = spawn(process.execPath, ['-e', SINK], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((r) =>
    sink.stdout.once('data', (d: Buffer) => r(Number(d.toString().trim()))),
  );
  const sock = connect(port, '127.0.0.1');
  await new Promise((r) => sock.once('connect', r));
  const chunk = Buffer.alloc(1024 * 1024);
  const t0 = performance.now();
  for (let sent = 0; sent < bytes; sent += chunk.length) {
    if (!sock.write(chunk)) await new Promise((r) => sock.once('drain', r));
  }
  await new Promise<void>((r) => sock.end(r));
  const seconds = (performance.now() - t0) / 1000;
  sock.destroy();
  sink.kill();
  return bytes / 1e6 / seconds;
}

/** The limits measure (not per server: shown in the OpenSSH column's place as "machine"). */
export async function limitsMeasure(ctx: BenchContext): Promise<void> {
  const seconds = ctx.quick ? 1 : 3;
  for (let round = 0; round < ctx.rounds; round++) {
    const gcm = await opensslSpeed('aes-128-gcm', seconds);
    const chacha = await opensslSpeed('chacha20-poly1305', seconds);
    const tcp = await loopbackTcp(ctx.quick ? 1024 ** 3 : 4 * 1024 ** 3);
    ctx.results.add('openssl speed aes-128-gcm (1 core, 16 KiB)', 'machine', 'MB/s', 'higher', gcm);
    ctx.results.add('openssl speed chacha20-poly1305 (1 core, 16 KiB)', 'machine', 'MB/s', 'higher', chacha);
    ctx.results.add('loopback TCP (node, 1 MiB writes)', 'machine', 'MB/s', 'higher', tcp);
    ctx.log(
      `limits: aes-128-gcm ${gcm.toFixed(0)} MB/s, chacha20-poly1305 ${chacha.toFixed(0)} MB/s, loopback ${tcp.toFixed(0)} MB/s`,
    );
  }
}
