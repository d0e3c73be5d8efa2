/**
 * The dead-letter delivery of a stream with `deadLetter`: a Direct PUT Firehose stream
 * writing rejected records, with their reasons, under `dlq/<stream>/...`.
 */
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { deliveryStreamName } from '#shared/delivery-stream-names';
import type { DeliveryTarget } from '#shared/environment';
import type { StreamConfig } from '#shared/tenant-config';
import { deliverySettings } from './delivery-stream-defaults.ts';
import { FirehoseToBucket } from './firehose-to-bucket.ts';
import type { DeliveryBindable } from './house-function.ts';

/** Props of {@link DeadLetterDelivery}. */
export interface DeadLetterDeliveryProps {
  readonly tenant: string;
  readonly stream: StreamConfig;
  readonly bucket: s3.Bucket;
  readonly dataKey: kms.IKey;
  readonly errorLogGroup: logs.LogGroup;
}

/** Where one stream's rejected records go. Always Direct PUT: dead letters are few. */
export class DeadLetterDelivery extends Construct implements DeliveryBindable {
  /** The Firehose delivery stream to `dlq/<stream>/`. */
  public readonly firehose: FirehoseToBucket;
  /** What the ingest function writes to. */
  public readonly target: DeliveryTarget;

  constructor(scope: Construct, id: string, props: DeadLetterDeliveryProps) {
    super(scope, id);
    this.firehose = new FirehoseToBucket(this, 'Firehose', {
      name: deliveryStreamName(props.tenant, props.stream.id, 'dead-letter'),
      bucket: props.bucket,
      dataKey: props.dataKey,
      settings: deliverySettings(props.stream, 'dead-letter'),
      errorLogGroup: props.errorLogGroup,
    });
    this.target = { kind: 'firehose', name: this.firehose.deliveryStream.ref };
  }

  /** Name of the Firehose delivery stream (an output of the stack). */
  get deliveryStreamName(): string {
    return this.firehose.deliveryStream.ref;
  }

  /** Grants Firehose PutRecordBatch (the only put the ingest function calls) on this delivery stream only. */
  grantPut(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['firehose:PutRecordBatch'],
      resourceArns: [this.firehose.deliveryStream.attrArn],
    });
  }
}
