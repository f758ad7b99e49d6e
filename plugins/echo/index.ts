/**
 * The `echo@sshd-kit` subsystem: everything the client sends comes back, byte for byte.
 *
 *   sshd-kit serve --plugin echo
 *   echo hello | ssh -p 2222 alice@localhost -s echo@sshd-kit
 *
 * Options (config `plugins: [{ path: echo, options: { greeting: "hi" } }]`):
 *   greeting  a line sent before the echo starts
 */
import { pipeline } from 'node:stream/promises';
import { definePlugin } from 'sshd-kit';

export default definePlugin({
  name: 'echo',
  apiVersion: 1,
  description: 'the echo@sshd-kit subsystem: sends back every byte it receives',
  setup(ctx) {
    const greeting = typeof ctx.options['greeting'] === 'string' ? ctx.options['greeting'] : undefined;
    ctx.subsystems.add({
      // Names we define ourselves take the form name@domain (RFC 4250 §4.6.1).
      name: 'echo@sshd-kit',
      // Which account permission the subsystem needs: 'shell', 'exec', 'sftp', or 'none'.
      requires: 'none',
      async start(io, session) {
        session.log.info({}, 'echo started');
        if (greeting !== undefined) io.stdout.write(`${greeting}\n`);
        // pipeline() honours backpressure both ways: a slow client slows the echo, and reading
        // only as fast as we can write keeps the client's window (and our memory) bounded.
        // `end: false` leaves ending stdout to the session, which sends the exit status with it.
        await pipeline(io.stdin, io.stdout, { end: false });
        return 0;
      },
    });
  },
});
