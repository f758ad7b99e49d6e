import type { Channel, ChannelTypeHandler } from '../../src/connection/types.js';

/**
 * A `session` channel type whose `exec` copies stdin to stdout and exits 0: lets transport tests
 * move data through a real client without depending on the process-running session layer.
 * Register it with `{ replace: true }` over the built-in session.
 */
export const echoSession: ChannelTypeHandler = {
  name: 'session',
  open: async () => ({
    ok: true,
    run: async (channel: Channel) => {
      let started = false;
      channel.onRequest((request) => {
        if (request.type !== 'exec' || started) return 'failure';
        started = true;
        channel.input.pipe(channel.output, { end: false });
        channel.input.on('end', () => void channel.exit(0));
        return 'success';
      });
      await channel.closed;
    },
  }),
};
