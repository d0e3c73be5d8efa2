/**
 * A RecordDelivery that hands records to a running dev server's delivery route
 * (local/firehose/delivery-admin-route.ts), so that the server stays the only writer of its journal.
 */
import type { DeliverBody } from '#local/firehose/delivery-admin-route';
import { DELIVER_ROUTE } from '#local/firehose/delivery-admin-route';
import { DownstreamUnavailableError } from '#shared/contract/errors';
import type { DeliveryBatch, RecordDelivery } from '#shared/ports/delivery-port';
import { type KeyedServer, reachDevServer, refusalMessage } from '../dev-server-admin.ts';

/** Delivery through the dev server whose state file is `server`. */
export class DevServerDelivery implements RecordDelivery {
  constructor(private readonly server: KeyedServer) {}

  async deliver(batch: DeliveryBatch): Promise<void> {
    if (batch.records.length === 0) return;
    const body: DeliverBody = {
      stream: batch.streamId,
      channel: batch.channel,
      records: batch.records.map((record) => Buffer.from(record).toString('base64')),
    };
    const response = await reachDevServer(
      this.server,
      DELIVER_ROUTE,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(Math.max(1, batch.deadlineAt - Date.now())),
      },
      (message) => new DownstreamUnavailableError(message),
    );
    if (response.status !== 200) throw new DownstreamUnavailableError(await refusalMessage(response));
  }
}
