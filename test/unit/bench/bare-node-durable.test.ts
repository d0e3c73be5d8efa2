import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoPath } from '#infra/paths';
import { currentSigningKey, newSigningKeySet, publicJwks } from '#shared/tokens/signing-keys';
import { selfIssuerAudience, signTenantToken } from '#shared/tokens/token-claims';

const ISSUER = 'http://127.0.0.1:4000';
const keySet = await newSigningKeySet();
const token = await signTenantToken(currentSigningKey(keySet), { issuer: ISSUER, tenant: 'example', days: 1 });
const directory = mkdtempSync(join(tmpdir(), 'sluice-bare-durable-'));
const journal = join(directory, 'journal');
let server: ChildProcess;
let url: string;

beforeAll(async () => {
  server = spawn(process.execPath, [repoPath('bench', 'servers', 'bare-node-durable.mjs'), '0', journal], {
    env: {
      ...process.env,
      BENCH_JWKS: JSON.stringify(publicJwks(keySet)),
      BENCH_ISSUER: ISSUER,
      BENCH_AUDIENCE: selfIssuerAudience('example'),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<string>((resolve, reject) => {
    server.stdout?.on('data', (chunk: Buffer) => {
      const match = /listening (\d+)/.exec(chunk.toString());
      if (match?.[1]) resolve(match[1]);
    });
    server.once('exit', (code) => reject(new Error(`the server exited with ${code}`)));
  });
  url = `http://127.0.0.1:${port}/stream/v0/data/orders`;
});

afterAll(() => {
  server.kill('SIGTERM');
  rmSync(directory, { recursive: true, force: true });
});

const post = (body: string, authorization?: string) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
    body,
  });

describe('the durable bare Node baseline of the throughput benchmark', () => {
  it('answers 202 only once the record is in its journal', async () => {
    const response = await post('{"order_id":"ord-1"}', `Bearer ${token}`);
    expect(response.status).toBe(202);
    expect(readFileSync(journal, 'utf8')).toContain('{"order_id":"ord-1"}\n');
  });

  it('answers 401 and keeps nothing when the token signature does not verify', async () => {
    const [head, payload] = token.split('.');
    const forged = `${head}.${payload}.${Buffer.from('not the signature').toString('base64url')}`;
    const response = await post('{"order_id":"ord-forged"}', `Bearer ${forged}`);
    expect(response.status).toBe(401);
    expect(readFileSync(journal, 'utf8')).not.toContain('ord-forged');
  });

  it('answers 401 when there is no token', async () => {
    expect((await post('{"order_id":"ord-anonymous"}')).status).toBe(401);
  });

  it('answers 400 and keeps nothing when the body is not JSON', async () => {
    const response = await post('{"order_id":', `Bearer ${token}`);
    expect(response.status).toBe(400);
    expect(readFileSync(journal, 'utf8')).not.toContain('{"order_id":\n');
  });
});
