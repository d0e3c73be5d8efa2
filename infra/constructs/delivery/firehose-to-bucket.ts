/**
 * One Firehose delivery stream into the landing bucket, with a role that may write only
 * under its own prefixes. Written on the L1 resource because the L2 destination always
 * grants read/write on the whole bucket.
 */
import { type CfnElement, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledgeWildcardResources, nagAttributeRef } from '../../nag-findings.ts';
import { type DeliverySettings, staticPrefix } from './delivery-stream-defaults.ts';

/** Props of {@link FirehoseToBucket}. */
export interface FirehoseToBucketProps {
  /** The delivery stream's name (`deliveryStreamName` of shared/contract/delivery-stream-names.ts). */
  readonly name: string;
  readonly bucket: s3.Bucket;
  readonly dataKey: kms.IKey;
  readonly settings: DeliverySettings;
  /** Log group for delivery errors; each delivery stream writes its own log stream there. */
  readonly errorLogGroup: logs.LogGroup;
  /** A Kinesis Data Stream to read from instead of Direct PUT. */
  readonly source?: kinesis.IStream;
}

/** A Firehose delivery stream that lands batches in the bucket under its prefix. */
export class FirehoseToBucket extends Construct {
  /** The L1 delivery stream. */
  public readonly deliveryStream: firehose.CfnDeliveryStream;
  /** The role Firehose assumes to read its source and write the bucket. */
  public readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: FirehoseToBucketProps) {
    super(scope, id);
    const { bucket, dataKey, settings, errorLogGroup, source } = props;
    const stack = Stack.of(this);
    const objectArns = [
      bucket.arnForObjects(`${staticPrefix(settings.prefix)}*`),
      bucket.arnForObjects(`${staticPrefix(settings.errorOutputPrefix)}*`),
    ];
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('firehose.amazonaws.com', {
        conditions: { StringEquals: { 'sts:ExternalId': stack.account } },
      }),
    });
    const policy = new iam.Policy(this, 'Policy', {
      roles: [this.role],
      statements: [
        new iam.PolicyStatement({
          actions: ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'],
          resources: [bucket.bucketArn],
        }),
        new iam.PolicyStatement({
          actions: ['s3:AbortMultipartUpload', 's3:GetObject', 's3:PutObject'],
          resources: objectArns,
        }),
        new iam.PolicyStatement({
          actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
          resources: [dataKey.keyArn],
          conditions: {
            StringEquals: { 'kms:ViaService': `s3.${stack.region}.amazonaws.com` },
            // With an S3 Bucket Key, S3 asks KMS with the bucket ARN as context; without one,
            // with the object ARN. Either way, only this stream's own prefixes of this bucket.
            StringLike: { 'kms:EncryptionContext:aws:s3:arn': [bucket.bucketArn, ...objectArns] },
          },
        }),
        new iam.PolicyStatement({
          actions: ['logs:PutLogEvents'],
          resources: [errorLogGroup.logGroupArn],
        }),
        ...(source
          ? [
              new iam.PolicyStatement({
                actions: [
                  'kinesis:DescribeStream',
                  'kinesis:DescribeStreamSummary',
                  'kinesis:GetShardIterator',
                  'kinesis:GetRecords',
                  'kinesis:ListShards',
                ],
                resources: [source.streamArn],
              }),
            ]
          : []),
      ],
    });
    const objectScopes = [staticPrefix(settings.prefix), staticPrefix(settings.errorOutputPrefix)];
    acknowledgeWildcardResources(
      policy,
      objectScopes.map(
        (scopePrefix) => `${nagAttributeRef(bucket.node.defaultChild as CfnElement, 'Arn')}/${scopePrefix}*`,
      ),
      "Firehose names each object at delivery time (date partitions and a random suffix), so object ARNs need a wildcard; it is confined to this stream's own prefix.",
    );
    const logStream = new logs.LogStream(this, 'ErrorLogStream', { logGroup: errorLogGroup });
    this.deliveryStream = new firehose.CfnDeliveryStream(this, 'Resource', {
      deliveryStreamName: props.name,
      deliveryStreamType: source ? 'KinesisStreamAsSource' : 'DirectPut',
      ...(source
        ? { kinesisStreamSourceConfiguration: { kinesisStreamArn: source.streamArn, roleArn: this.role.roleArn } }
        : // Direct PUT records rest in Firehose's buffer; encrypt them there too.
          { deliveryStreamEncryptionConfigurationInput: { keyType: 'AWS_OWNED_CMK' } }),
      extendedS3DestinationConfiguration: {
        bucketArn: bucket.bucketArn,
        roleArn: this.role.roleArn,
        prefix: settings.prefix,
        errorOutputPrefix: settings.errorOutputPrefix,
        fileExtension: settings.fileExtension,
        bufferingHints: { ...settings.bufferingHints },
        compressionFormat: settings.compressionFormat,
        encryptionConfiguration: { kmsEncryptionConfig: { awskmsKeyArn: dataKey.keyArn } },
        cloudWatchLoggingOptions: {
          enabled: true,
          logGroupName: errorLogGroup.logGroupName,
          logStreamName: logStream.logStreamName,
        },
      },
    });
    if (source) {
      Validations.of(this.deliveryStream).acknowledge({
        id: 'AwsSolutions-KDF1',
        reason:
          'Firehose rejects server-side encryption settings on a stream whose source is Kinesis; records at rest in the source stream are encrypted there (SSE with KMS), and the S3 objects with the landing key.',
      });
    }
    // Firehose checks its role's access when the stream is created.
    this.deliveryStream.node.addDependency(policy);
  }
}
