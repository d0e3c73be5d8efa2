/** Test helper: whether a TCP port on 127.0.0.1 can be listened on right now (a closed server freed it). */
import { createServer } from 'node:net';

/** Resolves true when `port` is free on 127.0.0.1. */
export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}
