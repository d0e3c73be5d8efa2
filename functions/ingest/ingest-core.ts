/**
 * The ingest core: one request in, a 202 outcome or a typed contract error out. It gets its
 * delivery as an argument, so tests and local mode run it without AWS. The dry run
 * ({@link validate}) runs the same checks and stops before anything is delivered.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { StreamConfig, TenantConfig } from '#shared/config/tenant-config';
import { MAX_RECORD_BYTES } from '#shared/contract/contract';
import { BatchRejectedError, type FieldError, PayloadTooLargeError } from '#shared/contract/errors';
import type { KeyedAnswer, RecordDelivery } from '#shared/ports/delivery-port';
import type { BodyRecords } from './body/body-records.ts';
import { contentCoding, inflateBody } from './body/content-coding.ts';
import { readJsonBody } from './body/json-body.ts';
import { xmlBodyReader } from './body/lazy-xml-body.ts';
import { decodeUtf8 } from './body/utf8-text.ts';
import { deadLetterLine } from './dead-letter-record.ts';
import type { IngestRequest } from './ingest-request.ts';
import { assertTenant, assertWithinLimit, bodyBytes, bodyKind, findStream } from './request-guards.ts';

/** What the core needs besides the request. */
export interface IngestDependencies {
  readonly tenant: TenantConfig;
  readonly delivery: RecordDelivery;
  readonly logger: Logger;
  /** Epoch ms by which delivery must have finished. */
  readonly deadlineAt: number;
  /**
   * For a keyed post: the answer its outcome will be stored as, handed to the records' delivery
   * so that local mode journals it with them (KeyedAnswer).
   */
  readonly keyedAnswer?: ((outcome: IngestOutcome) => KeyedAnswer) | undefined;
}

/** One rejected record of a batch post, as the 202 body lists it. */
export interface BatchRejection {
  readonly index: number;
  readonly errors: readonly FieldError[];
}

/** An accepted request: every record in `records` was acknowledged downstream. */
export interface IngestOutcome {
  readonly stream: string;
  readonly records: number;
  readonly receipt: string;
  /** Set for batch posts. */
  readonly batch?: { readonly accepted: number; readonly rejected: readonly BatchRejection[] };
}

async function deliverDeadLetters(
  stream: StreamConfig,
  request: IngestRequest,
  body: BodyRecords,
  deps: IngestDependencies,
): Promise<void> {
  if (!stream.deadLetter || body.rejected.length === 0) return;
  const source = {
    tenant: deps.tenant.tenant,
    streamId: stream.id,
    requestId: request.requestId,
    receivedAt: request.receivedAt,
    batch: body.batch,
  };
  try {
    await deps.delivery.deliver({
      streamId: stream.id,
      channel: 'dead-letter',
      records: body.rejected.map((rejected) => deadLetterLine(source, rejected)),
      deadlineAt: deps.deadlineAt,
    });
  } catch (error) {
    // The client's records are bad regardless; its answer stays a 400 (or a 202 for the rest).
    deps.logger.error('dead-letter delivery failed', {
      stream: stream.id,
      request_id: request.requestId,
      records: body.rejected.length,
      error,
    });
  }
}

// Only XML streams with `projection: 'json'` carry projected lines; every other stream skips this.
function deliverProjection(stream: StreamConfig, body: BodyRecords, deps: IngestDependencies): Promise<void> {
  if (stream.projection !== 'json') return Promise.resolve();
  return deps.delivery.deliver({
    streamId: stream.id,
    channel: 'json-projection',
    records: body.accepted.flatMap((record) => (record.projected ? [record.projected] : [])),
    deadlineAt: deps.deadlineAt,
  });
}

/** The request's body as bytes: inflated, within the stream's limit, when it is gzip or deflate. */
function decodedBody(request: IngestRequest, stream: StreamConfig): Uint8Array {
  const bytes = bodyBytes(request);
  const coding = contentCoding(request.headers['content-encoding']);
  return coding === 'gzip' || coding === 'deflate' ? inflateBody(bytes, coding, stream.maxBytes) : bytes;
}

/**
 * Every check of the edge contract short of delivery: stream, tenant, size, content type and
 * coding, UTF-8, parsing, schema, batch splitting and record sizes. Throws the SluiceError of the
 * request's contract row; returns the records of a request that the route would accept.
 */
async function checkedBody(
  request: IngestRequest,
  tenant: TenantConfig,
): Promise<{ stream: StreamConfig; body: BodyRecords }> {
  const stream = findStream(tenant, request.streamId);
  assertTenant(tenant, request);
  assertWithinLimit(request, stream.maxBytes);
  const kind = bodyKind(stream, request);
  const text = decodeUtf8(decodedBody(request, stream));
  const body =
    kind === 'xml'
      ? (await xmlBodyReader())(text, { projected: stream.projection === 'json', records: stream.records })
      : readJsonBody(stream, kind, text);

  for (const record of body.accepted) {
    // Only reachable with maxBytes at its maximum: framing adds a byte, or CBOR outgrows the XML.
    // The JSON projection can outgrow both (escaped control characters), and Firehose takes neither.
    const largest = Math.max(record.framed.byteLength, record.projected?.byteLength ?? 0);
    if (largest > MAX_RECORD_BYTES) throw new PayloadTooLargeError(MAX_RECORD_BYTES, largest);
  }
  return { stream, body };
}

function rejectionsOf(body: BodyRecords): BatchRejection[] {
  return body.rejected.map(({ index, errors }) => ({ index, errors }));
}

/** Throws the 400 of a body without an accepted record: the batch's, or the one record's. */
function assertSomeAccepted(body: BodyRecords): void {
  if (body.accepted.length > 0) return;
  const rejected = rejectionsOf(body);
  if (body.batch) throw new BatchRejectedError(`None of the ${rejected.length} records was accepted.`, rejected);
  const [firstRejected] = body.rejected;
  if (firstRejected) throw firstRejected.error;
}

/** A dry run that passed: what the route would have accepted. */
export interface ValidationOutcome {
  readonly stream: string;
  readonly records: number;
  /** Set for batch posts: the records the route would reject, as its 202 lists them. */
  readonly rejected?: readonly BatchRejection[];
}

/**
 * Runs every check of the edge contract and writes nothing, not even a dead letter: the dry run.
 * Throws the same SluiceError as {@link ingest} would, for every row but the 202.
 */
export async function validate(request: IngestRequest, tenant: TenantConfig): Promise<ValidationOutcome> {
  const { stream, body } = await checkedBody(request, tenant);
  assertSomeAccepted(body);
  return { stream: stream.id, records: body.accepted.length, ...(body.batch ? { rejected: rejectionsOf(body) } : {}) };
}

/** Runs the edge contract for one request; throws a SluiceError for every non-202 row. */
export async function ingest(request: IngestRequest, deps: IngestDependencies): Promise<IngestOutcome> {
  const { stream, body } = await checkedBody(request, deps.tenant);
  const deadLetters = deliverDeadLetters(stream, request, body, deps);
  const rejected = rejectionsOf(body);
  if (body.accepted.length === 0) {
    await deadLetters;
    assertSomeAccepted(body);
  }
  // Known before delivery, so that a keyed post's answer can travel with its records.
  const outcome: IngestOutcome = {
    stream: stream.id,
    records: body.accepted.length,
    receipt: randomUUID(),
    ...(body.batch ? { batch: { accepted: body.accepted.length, rejected } } : {}),
  };
  const records = (completes?: KeyedAnswer) =>
    deps.delivery.deliver({
      streamId: stream.id,
      channel: 'records',
      records: body.accepted.map((record) => record.framed),
      deadlineAt: deps.deadlineAt,
      ...(completes ? { completes } : {}),
    });
  if (deps.keyedAnswer) {
    // A keyed post delivers its records last: from their acknowledgement to the stored answer
    // nothing else is awaited, which keeps the window in which a dying function leaves them
    // delivered but the key unanswered as small as it can be (docs/contract.md).
    const [projected] = await Promise.allSettled([deliverProjection(stream, body, deps), deadLetters]);
    if (projected.status === 'rejected') throw projected.reason;
    await records(deps.keyedAnswer(outcome));
    return outcome;
  }
  const [delivered, projected] = await Promise.allSettled([
    records(),
    deliverProjection(stream, body, deps),
    deadLetters,
  ]);
  // The 202 promises both copies: a projection that failed is retried by the client like the records.
  if (delivered.status === 'rejected') throw delivered.reason;
  if (projected.status === 'rejected') throw projected.reason;
  return outcome;
}
