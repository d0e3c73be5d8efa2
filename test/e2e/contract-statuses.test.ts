import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { importJWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadOrCreateKeySet } from '#local/local-issuer';
import { defineTenant } from '#shared/config/tenant-config';
import { DEFAULT_MAX_BYTES, validatePath } from '#shared/contract/contract';
import { currentSigningKey, newSigningKeySet } from '#shared/tokens/signing-keys';
import { signTenantToken } from '#shared/tokens/token-claims';
import { landedRecordsIn } from './support/landed-records.ts';
import { post, startTestServer, type TestServer } from './support/local-server.ts';

const validOrder = (id: string) =>
  JSON.stringify({ order_id: id, customer_id: 'c-1', amount: 5, currency: 'EUR', placed_at: '2026-01-02T03:04:05Z' });

/** A JSON string value padded so that the whole body is exactly `bytes` long. */
const bodyOfSize = (bytes: number) => JSON.stringify({ pad: 'x'.repeat(bytes - '{"pad":""}'.length) });

let local: TestServer;

beforeAll(async () => {
  local = await startTestServer();
});

afterAll(async () => {
  await local.remove();
});

describe('every status of the contract, over HTTP against local mode', () => {
  it('answers 202 with the accepted body for a valid order', async () => {
    const response = await post(local.server, 'orders', validOrder('o-202'), { token: local.token });
    expect(response.status).toBe(202);
    expect(await response.json()).toMatchObject({ status: 'accepted', stream: 'orders', records: 1 });
  });

  it('answers 400 for bad JSON', async () => {
    const response = await post(local.server, 'events', '{"broken":', { token: local.token });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
  });

  it('answers 400 for NDJSON posted to a single-record stream', async () => {
    const ndjson = `${validOrder('o-a')}\n${validOrder('o-b')}\n`;
    const response = await post(local.server, 'orders', ndjson, {
      token: local.token,
      contentType: 'application/x-ndjson',
    });
    expect(response.status).toBe(400);
  });

  it('answers 400 for a schema violation, and the record lands in the dead-letter prefix', async () => {
    const response = await post(local.server, 'orders', JSON.stringify({ order_id: 'o-bad', currency: 'euro' }), {
      token: local.token,
    });
    expect(response.status).toBe(400);
    const problem = (await response.json()) as { errors: { path: string }[] };
    expect(problem.errors.map((error) => error.path)).toContain('/currency');
    // Stopping flushes every buffer; the test goes on with a fresh server.
    const stopped = local;
    await stopped.stop();
    const deadLetters = await landedRecordsIn(stopped.home.s3, 'orders', true);
    await stopped.remove();
    local = await startTestServer();
    expect(deadLetters).toHaveLength(1);
    expect(JSON.parse(deadLetters[0] ?? '{}')).toMatchObject({
      stream: 'orders',
      record: expect.stringContaining('o-bad'),
    });
  });

  it.each([
    ['empty', '', 400],
    ['256 characters long', 'k'.repeat(256), 400],
    ['not printable ASCII', 'key\u00e9', 400],
    ['255 printable characters', '~'.repeat(255), 200],
  ])(
    'checks an Idempotency-Key that is %s the same way on the stream route and its dry run',
    async (_, key, dryRunStatus) => {
      const headers = { 'idempotency-key': key };
      const dryRun = await fetch(`${local.server.url}${validatePath('orders')}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${local.token}`, 'content-type': 'application/json', ...headers },
        body: validOrder('o-key'),
      });
      expect(dryRun.status).toBe(dryRunStatus);
      const real = await post(local.server, 'orders', validOrder('o-key'), { token: local.token, headers });
      expect(real.status).toBe(dryRunStatus === 200 ? 202 : 400);
      if (dryRunStatus !== 400) return;
      // The same problem, but for the request id each answer carries.
      const { request_id: _dryRunId, ...dryRunProblem } = (await dryRun.json()) as Record<string, unknown>;
      const { request_id: _realId, ...realProblem } = (await real.json()) as Record<string, unknown>;
      expect(dryRunProblem).toEqual(realProblem);
      expect(realProblem).toMatchObject({ type: 'urn:sluice:problem:invalid-idempotency-key' });
    },
  );

  it('answers 401 without a token, with a bad signature, expired, and for another audience', async () => {
    const issuer = local.server.url;
    const stranger = await newSigningKeySet();
    const own = await loadOrCreateKeySet(local.home.keySetFile);
    const badSignature = await signTenantToken(currentSigningKey(stranger), { issuer, tenant: 'example', days: 1 });
    const expired = await signTenantToken(currentSigningKey(own), {
      issuer,
      tenant: 'example',
      days: 1,
      now: new Date(Date.now() - 3 * 86_400_000),
    });
    const key = currentSigningKey(own);
    const otherAudience = await new SignJWT({ scope: 'sluice/write' })
      .setProtectedHeader({ alg: 'RS256', kid: key.kid })
      .setIssuer(issuer)
      .setAudience('sluice-other')
      .setExpirationTime('1h')
      .sign(await importJWK(key.privateJwk, 'RS256'));
    for (const token of [undefined, badSignature, expired, otherAudience]) {
      const response = await post(local.server, 'orders', validOrder('o-401'), { token });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(await response.json()).toEqual({ message: 'Unauthorized' });
    }
  });

  it('answers 403 for a token scoped to another stream', async () => {
    const eventsOnly = await local.server.createToken({ streams: ['events'] });
    const response = await post(local.server, 'orders', validOrder('o-403'), { token: eventsOnly });
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({ message: 'Forbidden' });
  });

  it('answers 404 for a stream that does not exist', async () => {
    const response = await post(local.server, 'nope', '{}', { token: local.token });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ message: 'Not Found' });
  });

  it('answers 413 at 260,097 bytes and 202 at 260,096', async () => {
    const over = await post(local.server, 'events', bodyOfSize(DEFAULT_MAX_BYTES + 1), { token: local.token });
    expect(over.status).toBe(413);
    const at = await post(local.server, 'events', bodyOfSize(DEFAULT_MAX_BYTES), { token: local.token });
    expect(at.status).toBe(202);
  });

  it('answers 415 for a content type the stream does not take', async () => {
    const response = await post(local.server, 'orders', validOrder('o-415'), {
      token: local.token,
      contentType: 'text/plain',
    });
    expect(response.status).toBe(415);
  });

  it('answers 503 when the journal cannot be fsynced before the ack, and that record never lands', async () => {
    const own = await startTestServer();
    const probe = await open(join(own.home.root, 'probe'), 'w');
    const fileHandle = Object.getPrototypeOf(probe) as { datasync(): Promise<void> };
    await probe.close();
    const datasync = vi.spyOn(fileHandle, 'datasync').mockRejectedValueOnce(new Error('EIO: i/o error, fdatasync'));
    try {
      const refused = await post(own.server, 'events', '{"id":"unsynced"}', { token: own.token });
      expect(datasync).toHaveBeenCalled();
      expect(refused.status).toBe(503);
      expect(refused.headers.get('content-type')).toBe('application/problem+json');
      expect(await refused.json()).toMatchObject({ status: 503 });
      datasync.mockRestore();
      expect((await post(own.server, 'events', '{"id":"synced"}', { token: own.token })).status).toBe(202);
      await own.stop();
      expect(await landedRecordsIn(own.home.s3, 'events')).toEqual(['{"id":"synced"}']);
    } finally {
      datasync.mockRestore();
      await own.remove();
    }
  });

  it('answers 429 once the burst is spent', async () => {
    const small = await startTestServer({
      tenant: defineTenant({
        tenant: 'example',
        auth: { issuer: 'self' },
        throttle: { rate: 1, burst: 3 },
        streams: { events: { payload: 'json' } },
      }),
    });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i += 1)
        statuses.push((await post(small.server, 'events', '{}', { token: small.token })).status);
      expect(statuses).toEqual([202, 202, 202, 429]);
    } finally {
      await small.remove();
    }
  });
});
