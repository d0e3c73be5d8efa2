/**
 * A RecordDelivery that counts what its inner delivery got acknowledged: accepted records and
 * their bytes, dead-lettered records, and the retries and throttles the delivery reports on
 * the way. Both the ingest and the pull function deliver through it, so a record counts as
 * accepted exactly when Firehose or Kinesis acknowledged it, whoever sent it.
 */
import type { DeliveryBatch, RecordDelivery } from '#shared/ports/delivery-port';
import type { MetricsRecorder } from '#shared/ports/metrics';

/** Counts RecordsAccepted, BytesAccepted, RecordsDeadLettered, DeliveryRetries and DeliveryThrottles. */
export class MeteredDelivery implements RecordDelivery {
  constructor(
    private readonly inner: RecordDelivery,
    private readonly metrics: MetricsRecorder,
    private readonly tenant: string,
  ) {}

  async deliver(batch: DeliveryBatch): Promise<void> {
    const dimensions = { tenant: this.tenant, stream: batch.streamId };
    await this.inner.deliver({
      ...batch,
      report: {
        retried: (records) => {
          this.metrics.count('DeliveryRetries', dimensions, records);
          batch.report?.retried(records);
        },
        throttled: (records) => {
          this.metrics.count('DeliveryThrottles', dimensions, records);
          batch.report?.throttled(records);
        },
      },
    });
    if (batch.records.length === 0) return;
    if (batch.channel === 'records') {
      this.metrics.count('RecordsAccepted', dimensions, batch.records.length);
      const bytes = batch.records.reduce((sum, record) => sum + record.byteLength, 0);
      this.metrics.count('BytesAccepted', dimensions, bytes);
    } else if (batch.channel === 'dead-letter') {
      this.metrics.count('RecordsDeadLettered', dimensions, batch.records.length);
    }
  }
}
