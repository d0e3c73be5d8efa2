// The durable throughput baseline: a bare Node http server doing the work `sluice dev` must do
// before a 202 and nothing else: jose verification of the bearer token (every request, the key
// set imported once), JSON.parse, and an append that is fsynced before the answer.
// Appends are group-committed (one write + fdatasync for all that arrived meanwhile), as the
// local journal does; a per-request fsync would make the baseline slow for no reason.
// Usage: node bare-node-durable.mjs <port> <journal file>; env BENCH_JWKS, BENCH_ISSUER, BENCH_AUDIENCE.
import { open, unlink } from 'node:fs/promises';
import { createServer } from 'node:http';
import { createLocalJWKSet, jwtVerify } from 'jose';

// A full segment is removed, as the journal's are once their object is in S3, so that a long
// run does not fill the disk.
const SEGMENT_BYTES = 64 * 2 ** 20;
const journalPath = process.argv[3];
if (!journalPath) throw new Error('usage: bare-node-durable.mjs <port> <journal file>');
const keys = createLocalJWKSet(JSON.parse(process.env.BENCH_JWKS ?? '{"keys":[]}'));
const verifyOptions = {
  algorithms: ['RS256'],
  issuer: process.env.BENCH_ISSUER,
  audience: process.env.BENCH_AUDIENCE,
  requiredClaims: ['exp'],
};

let journal = await open(journalPath, 'a');
let written = 0;
let pending = [];
let committing = false;

async function commit() {
  committing = true;
  while (pending.length > 0) {
    const batch = pending;
    pending = [];
    const bytes = Buffer.concat(batch.map((entry) => entry.line));
    try {
      await journal.write(bytes);
      await journal.datasync();
      written += bytes.length;
      for (const entry of batch) entry.done(true);
    } catch {
      for (const entry of batch) entry.done(false);
    }
    if (written >= SEGMENT_BYTES) {
      await journal.close();
      await unlink(journalPath);
      journal = await open(journalPath, 'a');
      written = 0;
    }
  }
  committing = false;
}

function append(line) {
  return new Promise((resolve) => {
    pending.push({ line, done: resolve });
    if (!committing) void commit();
  });
}

function answer(response, status, body) {
  response.writeHead(status, { 'content-type': 'application/json' }).end(body);
}

const server = createServer((request, response) => {
  const chunks = [];
  request.on('data', (chunk) => chunks.push(chunk));
  request.on('end', async () => {
    const token = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
    try {
      if (!token) throw new Error('no token');
      await jwtVerify(token, keys, verifyOptions);
    } catch {
      answer(response, 401, '{"message":"Unauthorized"}');
      return;
    }
    const body = Buffer.concat(chunks);
    try {
      JSON.parse(body.toString('utf8'));
    } catch {
      answer(response, 400, '{"status":"malformed"}');
      return;
    }
    const durable = await append(Buffer.concat([body, Buffer.from('\n')]));
    if (durable) answer(response, 202, '{"status":"accepted"}');
    else answer(response, 503, '{"status":"unavailable"}');
  });
});

server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
