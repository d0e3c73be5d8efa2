/**
 * Stopping an HTTP server without waiting on connections that carry no request. `server.close()`
 * waits for every open connection, and `closeIdleConnections()` closes only those between two
 * requests: a socket a browser opened ahead of its next request (Chromium preconnects) counts
 * as busy until Node's headers timeout, up to 90 s. So `sluice dev` with its docs page open
 * took a minute and a half to stop. Here requests in flight finish, then every connection closes.
 */
import type { Server } from 'node:http';

/** Counts the server's requests in flight; the returned function stops the server once they have finished. */
export function gracefulClose(server: Server): () => Promise<void> {
  let inFlight = 0;
  let closing = false;
  server.on('request', (_request, response) => {
    inFlight += 1;
    response.once('close', () => {
      inFlight -= 1;
      if (closing && inFlight === 0) server.closeAllConnections();
    });
  });
  return () => {
    closing = true;
    const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
    if (inFlight === 0) server.closeAllConnections();
    else server.closeIdleConnections();
    return stopped;
  };
}
