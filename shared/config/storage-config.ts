/**
 * Where landed data is kept and how it is queried: the landing bucket's lifecycle and the
 * Athena workgroup's scan cutoff.
 */
import * as v from 'valibot';
import { positiveInteger } from './positive-integer.ts';
import { strictEntries } from './strict-entries.ts';

export const StorageSchema = strictEntries(
  {
    expireAfterDays: v.optional(positiveInteger(36_500, 'expireAfterDays')),
    infrequentAccessAfterDays: v.optional(
      v.pipe(
        positiveInteger(36_500, 'infrequentAccessAfterDays'),
        v.minValue(30, 'infrequentAccessAfterDays must be at least 30 (an S3 rule)'),
      ),
    ),
  },
  'storage',
);

/**
 * Athena's cutoff per query when the config is silent: 10 GiB, about $0.05 at $5 per TB
 * scanned, so that a query without a partition filter cannot run up a bill.
 */
export const DEFAULT_BYTES_SCANNED_CUTOFF_MB = 10_240;

export const AnalyticsSchema = strictEntries(
  {
    /** Athena's `BytesScannedCutoffPerQuery` of the tenant's workgroup, in MiB (Athena's least is 10 MiB). */
    bytesScannedCutoffMb: v.optional(
      v.pipe(
        v.number(),
        v.integer('bytesScannedCutoffMb must be a whole number'),
        v.minValue(10, 'bytesScannedCutoffMb must be at least 10 (an Athena rule)'),
        v.maxValue(1_048_576, 'bytesScannedCutoffMb must be at most 1048576 (1 TiB)'),
      ),
      DEFAULT_BYTES_SCANNED_CUTOFF_MB,
    ),
  },
  'analytics',
);
