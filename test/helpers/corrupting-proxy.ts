import { createServer, connect, type AddressInfo, type Server } from 'node:net';

/**
 * A TCP proxy in front of a server that flips one bit of the client→server stream at a given
 * byte offset (OpenSSH's regress/modpipe, as a proxy): for integrity tests.
 */
export async function corruptingProxy(
  target: number,
  flipAt: number,
): Promise<{ port: number; close(): Promise<void> }> {
  const server: Server = createServer((client) => {
    const upstream = connect(target, '127.0.0.1');
    let seen = 0;
    client.on('data', (chunk: Buffer) => {
      if (flipAt >= seen && flipAt < seen + chunk.length) {
        chunk = Buffer.from(chunk);
        chunk[flipAt - seen]! ^= 0x10;
      }
      seen += chunk.length;
      upstream.write(chunk);
    });
    upstream.pipe(client);
    client.on('end', () => upstream.end());
    for (const s of [client, upstream]) s.on('error', () => (client.destroy(), upstream.destroy()));
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
