/**
 * One-off: peak RSS of the pull runner while it pulls a 200 MB page and a 1 GiB gzip bomb from a
 * loopback server that streams them (default maxPageBytes). Run: `npx tsx bench/pull-memory.ts page|bomb`.
 * Each case runs in this process; the figure is `process.resourceUsage().maxRSS` after it.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGzip } from 'node:zlib';
import * as v from 'valibot';

import { SourceSchema } from '#shared/config/source-config';
import { defineTenant, type StreamConfig } from '#shared/config/tenant-config';
import { MemoryStateStore } from '../test/unit/functions/pull/support/memory-state-store.ts';
import { runPull } from '../test/unit/functions/pull/support/run-to-end.ts';

const MB = 1024 * 1024;
const kind = process.argv[2] ?? 'page';
const chunk = Buffer.alloc(MB, kind === 'page' ? 0x20 : 0);
const server = createServer((_req, res) => {
  if (kind === 'page') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('[');
    let left = 200;
    const more = () => {
      while (left > 0) {
        left -= 1;
        if (!res.write(chunk)) return res.once('drain', more);
      }
      res.end(']');
    };
    more();
  } else {
    res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    const gzip = createGzip({ level: 9 });
    gzip.pipe(res);
    let left = 1024;
    const more = () => {
      while (left > 0) {
        left -= 1;
        if (!gzip.write(chunk)) return gzip.once('drain', more);
      }
      gzip.end();
    };
    more();
  }
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/items`;
const { streams } = defineTenant({
  tenant: 'bench',
  auth: { issuer: 'self' },
  streams: { events: { payload: 'json', batch: true } },
});
const summary = await runPull(
  {
    tenant: 'bench',
    source: { ...v.parse(SourceSchema, { stream: 'events', schedule: 'rate(1 hour)', request: { url } }), name: 'big' },
    stream: streams.events as StreamConfig,
    runId: 'r',
  },
  {
    store: new MemoryStateStore(() => new Date()),
    secrets: { read: async () => '' },
    delivery: { deliver: async () => undefined },
  },
);
server.closeAllConnections();
server.close();
console.log(
  JSON.stringify({
    case: kind,
    status: summary.status,
    reason: summary.reason,
    peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
  }),
);
