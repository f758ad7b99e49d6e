import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EXPOSITION_CONTENT_TYPE } from './metrics-exposition.js';

/** A listening metrics endpoint. */
export interface MetricsListener {
  readonly address: AddressInfo;
  /** Stops listening and ends open scrapes. */
  close(): Promise<void>;
}

/** The path Prometheus scrapes by default. */
export const METRICS_PATH = '/metrics';

/**
 * Serves `GET /metrics` (and `HEAD`) over HTTP with the text `render` makes, for a Prometheus
 * server to scrape. Every other path is 404 and every other method 405; a request body is never
 * read. Nothing is authenticated: listen on loopback or an internal address.
 */
export function listenMetrics(render: () => string, host: string, port: number): Promise<MetricsListener> {
  const server = createServer((request, response) => answer(request, response, render));
  // A scrape is one small request: slow or idle clients are not kept.
  server.headersTimeout = 10_000;
  server.requestTimeout = 10_000;
  server.keepAliveTimeout = 30_000;
  server.maxHeadersCount = 50;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve({
        address: server.address() as AddressInfo,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}

function answer(request: IncomingMessage, response: ServerResponse, render: () => string): void {
  const path = (request.url ?? '').split('?')[0];
  if (path !== METRICS_PATH) {
    response
      .writeHead(404, { 'content-type': 'text/plain; charset=utf-8' })
      .end(`not found: try ${METRICS_PATH}\n`);
    return;
  }
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end();
    return;
  }
  const body = render();
  response.writeHead(200, {
    'content-type': EXPOSITION_CONTENT_TYPE,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  });
  response.end(request.method === 'HEAD' ? undefined : body);
}
