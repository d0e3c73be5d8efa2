/**
 * One delivery channel of a Sluice stream: a Firehose delivery stream to the landing bucket.
 * The records channel is fed by Direct PUT, or with `delivery: 'kinesis'` by an on-demand,
 * encrypted Kinesis Data Stream that the ingest function writes to (the scale path: higher
 * quotas, replay, fan-out). The dead-letter channel is always Direct PUT: dead letters are few.
 * So is an XML stream's JSON projection: XML posts are one document each, far below Direct PUT quotas.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { StreamConfig } from '#shared/config/tenant-config';
import { deliveryStreamName } from '#shared/contract/delivery-stream-names';
import type { DeliveryTarget } from '#shared/contract/environment';
import type { DeliveryChannel } from '#shared/ports/delivery-port';
import type { DeliveryBindable } from '../house-function.ts';
import { deliverySettings } from './delivery-stream-defaults.ts';
import { FirehoseToBucket } from './firehose-to-bucket.ts';

/** Props of {@link StreamDelivery}. */
export interface StreamDeliveryProps {
  readonly tenant: string;
  readonly stream: StreamConfig;
  /** Accepted records (under `streams/`), rejected ones with their reasons (under `dlq/`), or an XML stream's JSON copy (under `streams/<stream>/json/`). */
  readonly channel: DeliveryChannel;
  readonly bucket: s3.Bucket;
  readonly dataKey: kms.IKey;
  readonly errorLogGroup: logs.LogGroup;
}

/** Where one channel of a stream goes. */
export class StreamDelivery extends Construct implements DeliveryBindable {
  /** The Firehose delivery stream to the landing bucket. */
  public readonly firehose: FirehoseToBucket;
  /** The Kinesis source, for the records of a kinesis-mode stream. */
  public readonly source: kinesis.Stream | undefined;
  /** What the ingest function writes to. */
  public readonly target: DeliveryTarget;

  constructor(scope: Construct, id: string, props: StreamDeliveryProps) {
    super(scope, id);
    const { stream, channel } = props;
    const name = deliveryStreamName(props.tenant, stream.id, channel);
    if (channel === 'records' && stream.delivery === 'kinesis') {
      this.source = new kinesis.Stream(this, 'Source', {
        streamName: name,
        streamMode: kinesis.StreamMode.ON_DEMAND,
        // The AWS managed key: producers and Firehose need no KMS grants, and no CMK cost per call.
        encryption: kinesis.StreamEncryption.MANAGED,
        retentionPeriod: Duration.hours(24),
        // It holds a 24-hour copy of what Firehose lands in the retained bucket; kept, it would
        // bill by the hour and block a redeploy under the same fixed name.
        removalPolicy: RemovalPolicy.DESTROY,
      });
    }
    this.firehose = new FirehoseToBucket(this, 'Firehose', {
      name,
      bucket: props.bucket,
      dataKey: props.dataKey,
      settings: deliverySettings(stream, channel),
      errorLogGroup: props.errorLogGroup,
      ...(this.source ? { source: this.source } : {}),
    });
    this.target = this.source
      ? { kind: 'kinesis', name: this.source.streamName }
      : { kind: 'firehose', name: this.firehose.deliveryStream.ref };
  }

  /** Name of the Firehose delivery stream (an output of the stack). */
  get deliveryStreamName(): string {
    return this.firehose.deliveryStream.ref;
  }

  /** Grants exactly the put action the ingest function calls: Kinesis PutRecords, or Firehose PutRecordBatch. */
  grantPut(grantee: iam.IGrantable): iam.Grant {
    if (this.source) {
      return iam.Grant.addToPrincipal({
        grantee,
        actions: ['kinesis:PutRecords'],
        resourceArns: [this.source.streamArn],
      });
    }
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['firehose:PutRecordBatch'],
      resourceArns: [this.firehose.deliveryStream.attrArn],
    });
  }
}
