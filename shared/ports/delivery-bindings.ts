/** Parsing of the delivery bindings env var (ENV.deliveryTargets): stream id → where its records go. */
import * as v from 'valibot';
import { jsonProjectionStreamName } from '../contract/delivery-stream-names.ts';
import type { DeliveryChannel } from './delivery-port.ts';

const TargetSchema = v.pipe(
  v.strictObject({
    kind: v.picklist(['firehose', 'kinesis'], 'kind must be "firehose" or "kinesis"'),
    /** Delivery stream name (firehose) or stream name/ARN (kinesis). */
    name: v.pipe(v.string(), v.nonEmpty('name must not be empty')),
  }),
  v.readonly(),
);

const BindingSchema = v.pipe(
  v.strictObject({
    records: TargetSchema,
    deadLetter: v.optional(TargetSchema),
    /**
     * A flag, not a target: the projection's Firehose stream is named after the records'
     * (`<records>.json`), and 12 full targets more would push the bindings past Lambda's 4 KB.
     */
    jsonProjection: v.optional(v.literal(true, 'jsonProjection must be true')),
  }),
  v.readonly(),
);

const BindingsSchema = v.record(v.string(), BindingSchema);

/** Where one stream's records go on AWS. */
export type DeliveryTarget = v.InferOutput<typeof TargetSchema>;
/** A stream's delivery binding: its records, its dead-letter stream when `deadLetter` is on, its JSON copy with `projection: 'json'`. */
export type StreamDeliveryBinding = v.InferOutput<typeof BindingSchema>;
/** Delivery bindings by stream id. */
export type DeliveryBindings = Readonly<Record<string, StreamDeliveryBinding>>;

/** Parses the JSON of ENV.deliveryTargets; throws naming the bad field. */
export function parseDeliveryBindings(json: string | undefined): DeliveryBindings {
  if (json === undefined || json.trim() === '') throw new Error('delivery bindings are missing');
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new Error('delivery bindings are not valid JSON');
  }
  const result = v.safeParse(BindingsSchema, value);
  if (!result.success) {
    const problems = result.issues.map((issue) => `${v.getDotPath(issue) ?? '(root)'}: ${issue.message}`);
    throw new Error(`delivery bindings are invalid: ${problems.join('; ')}`);
  }
  // A null-prototype copy, so a stream id like `constructor` finds nothing it should not.
  return Object.assign(Object.create(null), result.output) as DeliveryBindings;
}

/** The target of one stream's channel, or `undefined` when it has none. */
export function deliveryTarget(
  bindings: DeliveryBindings,
  streamId: string,
  channel: DeliveryChannel,
): DeliveryTarget | undefined {
  const binding = Object.hasOwn(bindings, streamId) ? bindings[streamId] : undefined;
  switch (channel) {
    case 'records':
      return binding?.records;
    case 'dead-letter':
      return binding?.deadLetter;
    case 'json-projection':
      return binding?.jsonProjection
        ? { kind: 'firehose', name: jsonProjectionStreamName(binding.records.name) }
        : undefined;
  }
}
