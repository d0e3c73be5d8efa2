/**
 * A RecordDelivery that hands records to a running dev server's delivery route
 * (local/delivery-admin-route.ts), so that the server stays the only writer of its journal.
 */
import type { DeliverBody } from '#local/delivery-admin-route';
import { DELIVER_ROUTE } from '#local/delivery-admin-route';
import type { ServerState } from '#local/server-state';
import type { DeliveryBatch, RecordDelivery } from '#shared/delivery/delivery-port';
import { DownstreamUnavailableError } from '#shared/errors';

/** Delivery through the dev server whose state file is `server`. */
export class DevServerDelivery implements RecordDelivery {
  constructor(private readonly server: ServerState & { readonly pullKey: string }) {}

  async deliver(batch: DeliveryBatch): Promise<void> {
    if (batch.records.length === 0) return;
    const body: DeliverBody = {
      stream: batch.streamId,
      channel: batch.channel,
      records: batch.records.map((record) => Buffer.from(record).toString('base64')),
    };
    let response: Response;
    try {
      response = await fetch(`${this.server.url}${DELIVER_ROUTE}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${this.server.pullKey}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(Math.max(1, batch.deadlineAt - Date.now())),
      });
    } catch (error) {
      throw new DownstreamUnavailableError(
        `cannot reach the dev server at ${this.server.url}: ${(error as Error).message}`,
      );
    }
    if (response.status !== 200) {
      const message = ((await response.json().catch(() => ({}))) as { message?: string }).message;
      throw new DownstreamUnavailableError(
        `the dev server answered ${response.status}: ${message ?? 'no reason given'}`,
      );
    }
  }
}
