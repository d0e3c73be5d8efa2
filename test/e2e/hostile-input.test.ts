import { connect } from 'node:net';
import * as v from 'valibot';
import { afterEach, describe, expect, it } from 'vitest';
import { defineTenant } from '#shared/config/tenant-config';
import { HEALTH_PATH, ingestPath } from '#shared/contract/contract';
import { landedRecordsIn } from './support/landed-records.ts';
import { post, startTestServer, type TestServer } from './support/local-server.ts';

/** Dead-letter streams with room for bodies that errors would quote at length. */
const tenant = defineTenant({
  tenant: 'example',
  auth: { issuer: 'self' },
  streams: {
    strict: { payload: 'json', schema: v.strictObject({ a: v.string() }), deadLetter: true, maxBytes: 400_000 },
    xml: { payload: 'xml', deadLetter: true, maxBytes: 400_000 },
  },
});

/** A log whose lines the test reads, by level. */
function recordingLog() {
  const lines: { level: 'info' | 'warn' | 'error'; message: string }[] = [];
  return {
    lines,
    info: (message: string) => lines.push({ level: 'info', message }),
    warn: (message: string) => lines.push({ level: 'warn', message }),
    error: (message: string) => lines.push({ level: 'error', message }),
  };
}

/** Sends headers promising `declared` bytes, then `sent` of them, then destroys the socket. */
async function abortMidBody(local: TestServer, streamId: string, declared: number, sent: string): Promise<void> {
  const { port } = new URL(local.server.url);
  const socket = connect(Number(port), '127.0.0.1');
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const head = [
    `POST ${ingestPath(streamId)} HTTP/1.1`,
    'host: 127.0.0.1',
    `authorization: Bearer ${local.token}`,
    'content-type: application/json',
    `content-length: ${declared}`,
    '',
    '',
  ].join('\r\n');
  await new Promise<void>((resolve) => socket.write(head + sent, () => resolve()));
  // Let the gateway read the headers and start on the body before the connection goes.
  await new Promise((resolve) => setTimeout(resolve, 100));
  socket.destroy();
  await new Promise((resolve) => setTimeout(resolve, 200));
}

let local: TestServer | undefined;

afterEach(async () => {
  await local?.remove();
  local = undefined;
});

describe('local mode under hostile input', () => {
  it('answers 400 within a second to 110,000 unclosed XML tags and stays healthy', async () => {
    local = await startTestServer({ tenant });
    const started = Date.now();
    const response = await post(local.server, 'xml', '<a>'.repeat(110_000), {
      token: local.token,
      contentType: 'application/xml',
    });
    expect(response.status).toBe(400);
    expect(Date.now() - started).toBeLessThan(1_000);
    const health = await fetch(`${local.server.url}${HEALTH_PATH}`);
    expect(health.status).toBe(200);
  });

  it('logs one warning and dead-letters nothing when a client disconnects mid-body', async () => {
    const log = recordingLog();
    local = await startTestServer({ tenant, log });
    await abortMidBody(local, 'strict', 10_000, '{"b":"cut short');
    await local.stop();
    expect(log.lines.filter((line) => line.level === 'error')).toEqual([]);
    const warnings = log.lines.filter((line) => line.level === 'warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.message).toContain('closed the connection before the body was complete');
    expect(warnings[0]?.message).not.toContain('\n');
    expect(await landedRecordsIn(local.home.s3, 'strict', true)).toEqual([]);
  });
});
