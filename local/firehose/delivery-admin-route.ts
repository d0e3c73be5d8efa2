/**
 * The dev server's delivery route, for `sluice dlq replay` while a dev server runs: the server
 * owns the Firehose emulation's buffers and journal, so the CLI hands it the records a replay
 * checked and framed rather than open the journal a second time. Loopback only, and guarded by
 * the key in the server's 0600 state file, like the pull routes; never part of the tenant's API.
 *
 *   POST /_sluice/deliver  {"stream","channel","records":[base64…]}
 *     200 {"records":n} once every record was journaled (acknowledged, as Firehose would)
 *     400 a body that is not that, 404 an unknown stream, 413 over the size limit,
 *     503 {"message"} when the emulation could not take them
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as v from 'valibot';
import type { TenantConfig } from '#shared/config/tenant-config';
import { FIREHOSE_BATCH_LIMITS } from '#shared/contract/contract';
import { DELIVERY_CHANNELS, type DeliveryChannel, type RecordDelivery } from '#shared/ports/delivery-port';
import { admitAdminRequest, answerJson } from '../admin-route.ts';

/** Path of the delivery route. */
export const DELIVER_ROUTE = '/_sluice/deliver';

/** Largest body the route reads: one Firehose call's 4 MiB, base64-encoded, with room to spare. */
export const DELIVER_ROUTE_MAX_BYTES = 4 * FIREHOSE_BATCH_LIMITS.bytes;

/** Time the emulation gets to journal one request's records. */
const DELIVER_DEADLINE_MS = 60_000;

// A plain character-class scan: valibot's base64 pattern overflows the stack on a record of megabytes.
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function isBase64(text: string): boolean {
  return text.length % 4 === 0 && BASE64.test(text);
}

const DeliverBodySchema = v.strictObject({
  stream: v.string(),
  channel: v.picklist(DELIVERY_CHANNELS as DeliveryChannel[]),
  records: v.array(v.pipe(v.string(), v.check(isBase64, 'records must be base64'))),
});

/** What the CLI posts to the route. */
export type DeliverBody = v.InferOutput<typeof DeliverBodySchema>;

async function readBody(request: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > DELIVER_ROUTE_MAX_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** The route, bound to the server's delivery; `track` learns of each request so that a stopping server waits for it. */
export function createDeliverRoute(options: {
  readonly tenant: TenantConfig;
  readonly delivery: RecordDelivery;
  readonly key: string;
  readonly track: (work: Promise<unknown>) => void;
}): (request: IncomingMessage, response: ServerResponse) => void {
  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const admitted = admitAdminRequest(request, response, options.key, {
      notLoopback: 'the delivery route answers only on loopback',
      wrongKey: 'the delivery route needs the key in the dev server state file',
    });
    if (!admitted) return;
    if (request.method !== 'POST' || request.url !== DELIVER_ROUTE) {
      answerJson(response, 404, { message: `try POST ${DELIVER_ROUTE}` });
      return;
    }
    const raw = await readBody(request);
    if (!raw) {
      answerJson(response, 413, { message: `the body is over ${DELIVER_ROUTE_MAX_BYTES} bytes` });
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(raw.toString('utf8'));
    } catch {
      json = undefined;
    }
    const parsed = v.safeParse(DeliverBodySchema, json);
    if (!parsed.success) {
      answerJson(response, 400, { message: 'the body must be {"stream","channel","records":[base64…]}' });
      return;
    }
    const { stream, channel, records } = parsed.output;
    if (!Object.hasOwn(options.tenant.streams, stream)) {
      answerJson(response, 404, { message: `this dev server's tenant has no stream ${JSON.stringify(stream)}` });
      return;
    }
    try {
      await options.delivery.deliver({
        streamId: stream,
        channel,
        records: records.map((record) => Buffer.from(record, 'base64')),
        deadlineAt: Date.now() + DELIVER_DEADLINE_MS,
      });
    } catch (error) {
      answerJson(response, 503, { message: `the records were not taken: ${(error as Error).message}` });
      return;
    }
    answerJson(response, 200, { records: records.length });
  };
  return (request, response) => {
    options.track(
      handle(request, response).catch((error: unknown) => {
        if (!response.headersSent) answerJson(response, 500, { message: (error as Error).message });
        else response.destroy();
      }),
    );
  };
}
