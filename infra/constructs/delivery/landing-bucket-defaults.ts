/** Pure defaults of the landing bucket: lifecycle rules from the tenant's storage settings. */
import { Duration } from 'aws-cdk-lib';
import { type LifecycleRule, StorageClass } from 'aws-cdk-lib/aws-s3';
import type { TenantConfig } from '#shared/config/tenant-config';
import { ATHENA_RESULTS_PREFIX, ATHENA_RESULTS_RETENTION_DAYS } from '#shared/contract/storage-layout';

/** Days after which an unfinished multipart upload (a Firehose delivery cut short) is cleaned up. */
export const ABORT_INCOMPLETE_UPLOAD_DAYS = 7;

/** Days the server access logs are kept. */
export const ACCESS_LOG_RETENTION_DAYS = 365;

/**
 * The landing bucket's lifecycle rules: always abort stale uploads and expire Athena's query
 * results; transition and expiry of the landed data when configured.
 */
export function landingLifecycleRules(storage: TenantConfig['storage']): LifecycleRule[] {
  const rule: {
    id: string;
    abortIncompleteMultipartUploadAfter: Duration;
    expiration?: Duration;
    transitions?: { storageClass: StorageClass; transitionAfter: Duration }[];
  } = { id: 'sluice-storage', abortIncompleteMultipartUploadAfter: Duration.days(ABORT_INCOMPLETE_UPLOAD_DAYS) };
  if (storage.expireAfterDays !== undefined) rule.expiration = Duration.days(storage.expireAfterDays);
  const infrequent = storage.infrequentAccessAfterDays;
  // A transition on or after expiry would be rejected by S3, and is pointless anyway.
  if (infrequent !== undefined && (storage.expireAfterDays === undefined || infrequent < storage.expireAfterDays)) {
    rule.transitions = [{ storageClass: StorageClass.INFREQUENT_ACCESS, transitionAfter: Duration.days(infrequent) }];
  }
  const results = {
    id: 'expire-athena-results',
    prefix: ATHENA_RESULTS_PREFIX,
    expiration: Duration.days(ATHENA_RESULTS_RETENTION_DAYS),
  };
  return [rule, results];
}
