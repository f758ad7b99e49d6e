import { Client, type ConnectConfig } from 'ssh2';

/** Connects the `ssh2` npm client; resolves once authenticated ('ready'), with the negotiated algorithms. */
export function connectSsh2(
  port: number,
  config: Partial<ConnectConfig>,
): Promise<{ client: Client; negotiated: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    let negotiated: Record<string, unknown> = {};
    client.on('handshake', (n) => (negotiated = n as unknown as Record<string, unknown>));
    client.on('ready', () => resolve({ client, negotiated }));
    client.on('error', reject);
    client.connect({ host: '127.0.0.1', port, readyTimeout: 20_000, username: 'alice', ...config });
  });
}

/** Ends an ssh2 client and waits for its socket to close. */
export function endSsh2(client: Client): Promise<void> {
  return new Promise((resolve) => {
    client.once('close', () => resolve());
    client.end();
  });
}
