import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '#cli/main';
import { createS3Client, LOCAL_BUCKET, S3RVER_FILE_SUFFIXES, startEmbeddedS3 } from '#local/embedded/embedded-s3';
import { sluiceHome } from '#local/sluice-home';
import { recordsPrefix, renderPrefix } from '#shared/contract/storage-layout';
import { captureIo } from '../io-capture.ts';

let root: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'sluice-query-local-'));
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const env = () => ({ SLUICE_HOME: join(root, '.sluice') });

const ORDER = (id: string, amount: number) =>
  `{"order_id":"${id}","customer_id":"c","amount":${amount},"currency":"EUR","placed_at":"2024-05-01T10:00:00Z"}\n`;

// Objects put through the embedded S3 itself, so the files are laid out as s3rver keeps them;
// the server is closed before the query runs.
async function landOrders(objects: Record<string, string | Buffer>): Promise<string> {
  const s3Folder = sluiceHome('example', env(), root).s3;
  const s3 = await startEmbeddedS3(s3Folder, 0);
  const client = createS3Client(s3.endpoint);
  try {
    const prefix = renderPrefix(recordsPrefix('orders'), new Date());
    for (const [name, body] of Object.entries(objects)) {
      await client.send(new PutObjectCommand({ Bucket: LOCAL_BUCKET, Key: `${prefix}${name}`, Body: body }));
    }
    return join(s3Folder, LOCAL_BUCKET, prefix);
  } finally {
    client.destroy();
    await s3.close();
  }
}

async function query(sql: string) {
  const captured = captureIo({ env: env(), cwd: root });
  const code = await runCli(['query', sql, '--format', 'ndjson'], captured.io);
  return { code, stdout: captured.stdout(), stderr: captured.stderr() };
}

describe('sluice query over local mode, with no dev server running', () => {
  it('reads plain and gzipped NDJSON batches where the embedded S3 keeps them', async () => {
    await landOrders({
      'sluice-example-orders-1-a.ndjson': ORDER('a', 1) + ORDER('b', 2),
      'sluice-example-orders-1-b.ndjson.gz': gzipSync(ORDER('c', 4)),
    });
    const answer = await query('SELECT count(*) AS n, sum(amount) AS total FROM orders');
    expect(answer).toEqual({ code: 0, stdout: '{"n":3,"total":7}\n', stderr: '' });
  });

  it('leaves out an object that is still being written (its body stored, its metadata not yet)', async () => {
    const folder = await landOrders({
      'sluice-example-orders-1-a.ndjson': ORDER('a', 1),
      'sluice-example-orders-1-b.ndjson': ORDER('b', 2),
    });
    await rm(join(folder, `sluice-example-orders-1-b.ndjson${S3RVER_FILE_SUFFIXES.metadata}`));
    const answer = await query('SELECT order_id FROM orders');
    expect(answer.stdout).toBe('{"order_id":"a"}\n');
  });

  it('answers an empty table when nothing has landed yet', async () => {
    const answer = await query('SELECT count(*) AS n FROM orders');
    expect(answer).toEqual({ code: 0, stdout: '{"n":0}\n', stderr: '' });
  });
});
