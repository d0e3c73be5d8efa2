/**
 * The landing bucket where Firehose writes batches: SSE-KMS with a customer-managed key
 * (and an S3 Bucket Key, so KMS calls stay few), Block Public Access, TLS only, server
 * access logs to a separate log bucket, lifecycle from the tenant config, kept on stack deletion.
 */
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { TenantConfig } from '#shared/config/tenant-config';
import { ACCESS_LOG_RETENTION_DAYS, landingLifecycleRules } from './landing-bucket-defaults.ts';

/** Props of {@link LandingBucket}. */
export interface LandingBucketProps {
  readonly tenant: string;
  readonly storage: TenantConfig['storage'];
}

/** The landing bucket, its data key and its access log bucket. */
export class LandingBucket extends Construct {
  /** Where records, dead letters and delivery errors land. */
  public readonly bucket: s3.Bucket;
  /** Customer-managed key of the landing data; Firehose encrypts objects with it. */
  public readonly dataKey: kms.Key;
  /** Server access logs of the landing bucket. */
  public readonly accessLogBucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: LandingBucketProps) {
    super(scope, id);
    this.dataKey = new kms.Key(this, 'DataKey', {
      description: `Sluice ${props.tenant}: landing data`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.accessLogBucket = new s3.Bucket(this, 'AccessLogs', {
      // S3 server access logging can only deliver to a bucket encrypted with SSE-S3.
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(ACCESS_LOG_RETENTION_DAYS) }],
    });
    Validations.of(this.accessLogBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This bucket is the destination of the landing bucket access logs; logging it into itself would loop.',
    });
    this.bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.dataKey,
      bucketKeyEnabled: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      // aws-cdk-lib's own types clash with exactOptionalPropertyTypes (Bucket.isWebsite may be
      // undefined, IBucket.isWebsite may not); the object is the very bucket the prop wants.
      serverAccessLogsBucket: this.accessLogBucket as unknown as s3.IBucket,
      serverAccessLogsPrefix: 'landing/',
      lifecycleRules: landingLifecycleRules(props.storage),
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}
