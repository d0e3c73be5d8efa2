/** A GitHub webhook into local mode's example tenant over HTTP: secret from `sluice secret set`, the real handler. */
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '#cli/main';
import { PROBLEM_CONTENT_TYPE } from '#shared/contract/contract';
import { problemType } from '#shared/contract/errors';
import { captureIo } from '../unit/cli/io-capture.ts';
import { landedRecordsIn } from './support/landed-records.ts';
import { post, startTestServer, type TestServer } from './support/local-server.ts';

// GitHub's documented test vector (docs.github.com, "Validating webhook deliveries").
const GITHUB_DOCS_SECRET = "It's a Secret to Everybody";
const GITHUB_DOCS_SIGNATURE = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';

const ping = (id: number) => JSON.stringify({ zen: 'Design for failure.', hook_id: id, sender: { login: 'octocat' } });
const signature = (secret: string, body: string) =>
  `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;

let local: TestServer;

const setSecret = async (value: string) => {
  const io = captureIo({ env: { SLUICE_HOME: local.home.base }, stdin: value });
  expect(await runCli(['secret', 'set', 'github-webhook', '--tenant', 'example'], io.io)).toBe(0);
  expect(io.stdout() + io.stderr()).not.toContain(value.split('\n')[0]);
};

// What GitHub sends with a delivery besides the signature.
const deliveryHeaders = (body: string, secret: string) => ({
  'x-github-event': 'ping',
  'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958',
  'user-agent': 'GitHub-Hookshot/044aadd',
  'x-hub-signature-256': signature(secret, body),
});

beforeAll(async () => {
  local = await startTestServer();
});

afterAll(async () => {
  await local.remove();
});

describe('the example tenant’s github stream in local mode', () => {
  it('answers 503 naming the missing secret and the command that sets it, before the secret is set', async () => {
    const body = ping(0);
    const response = await post(local.server, 'github', body, { headers: deliveryHeaders(body, 'not-set-yet') });
    expect(response.status).toBe(503);
    expect(response.headers.get('content-type')).toBe(PROBLEM_CONTENT_TYPE);
    const problem = (await response.json()) as { type: string; detail: string };
    expect(problem.type).toBe(problemType('webhook-secret-unavailable'));
    expect(problem.detail).toBe(
      'Stream github cannot check webhook signatures until its secret is set: secret github-webhook is not set for ' +
        'tenant example: set SLUICE_SECRET_GITHUB_WEBHOOK in the environment, or run `sluice secret set github-webhook --tenant example`.',
    );
  });

  it("accepts GitHub's documented signature over HTTP, then applies the JSON contract to its plain-text payload", async () => {
    await setSecret(GITHUB_DOCS_SECRET);
    const response = await post(local.server, 'github', 'Hello, World!', {
      headers: { 'x-hub-signature-256': GITHUB_DOCS_SIGNATURE },
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { type: string }).type).toBe(problemType('malformed-body'));
  });

  it('lands a signed delivery without any token, and refuses a bad or missing signature with 401 problem+json', async () => {
    await setSecret('s3cr3t-hook');
    const body = ping(1);
    const accepted = await post(local.server, 'github', body, { headers: deliveryHeaders(body, 's3cr3t-hook') });
    expect(accepted.status).toBe(202);
    expect(await accepted.json()).toMatchObject({ status: 'accepted', stream: 'github', records: 1 });

    const forged = await post(local.server, 'github', body, { headers: deliveryHeaders(body, 'guessed') });
    expect(forged.status).toBe(401);
    expect(forged.headers.get('content-type')).toBe(PROBLEM_CONTENT_TYPE);
    const problem = (await forged.json()) as { type: string; detail: string };
    expect(problem.type).toBe(problemType('webhook-signature'));
    expect(problem.detail).toContain('X-Hub-Signature-256');

    // A tenant token does not open a webhook stream: the signature is what authenticates.
    const bearer = await post(local.server, 'github', body, { token: local.token });
    expect(bearer.status).toBe(401);
    expect(((await bearer.json()) as { detail: string }).detail).toMatch(/no X-Hub-Signature-256 header/);
  });

  it('takes both secrets during a rotation, and only the new one after it', async () => {
    await setSecret('new-hook-secret\ns3cr3t-hook\n');
    const [second, third] = [ping(2), ping(3)];
    expect(
      (await post(local.server, 'github', second, { headers: deliveryHeaders(second, 's3cr3t-hook') })).status,
    ).toBe(202);
    expect(
      (await post(local.server, 'github', third, { headers: deliveryHeaders(third, 'new-hook-secret') })).status,
    ).toBe(202);
    await setSecret('new-hook-secret');
    const late = ping(4);
    expect((await post(local.server, 'github', late, { headers: deliveryHeaders(late, 's3cr3t-hook') })).status).toBe(
      401,
    );
  });

  it('has landed exactly the accepted deliveries, as posted', async () => {
    await local.stop();
    expect(await landedRecordsIn(local.home.s3, 'github')).toEqual([ping(1), ping(2), ping(3)]);
  });
});
