/**
 * The Idempotency-Key gate, loaded on the first post that carries the header: Powertools'
 * idempotency layer and the DynamoDB client are a fifth of the ingest bundle, and most posts
 * never take a key, so a cold start does not pay for them (issue 24, docs/performance.md).
 * The bundle splits them into their own chunk (infra/function-bundling.ts).
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { TenantConfig } from '#shared/config/tenant-config';
import type { IdempotencyStore, IdempotentAnswers } from './idempotent-answers.ts';

/** A store, or how to make one on first use (the AWS handler imports its DynamoDB client there). */
export type IdempotencyStoreSource = IdempotencyStore | (() => Promise<IdempotencyStore>);

/** The gate of createIdempotentAnswers, imported and built once, when the first keyed post arrives. */
export function lazyIdempotentAnswers(
  tenant: TenantConfig,
  source: IdempotencyStoreSource,
  logger: Logger,
): IdempotentAnswers {
  let gate: Promise<IdempotentAnswers> | undefined;
  const load = async () => {
    const [{ createIdempotentAnswers }, store] = await Promise.all([
      import('./idempotent-answers.ts'),
      typeof source === 'function' ? source() : source,
    ]);
    return createIdempotentAnswers(tenant, store, logger);
  };
  return async (request, context, work) => {
    // A failed load is not kept: the next keyed post tries again.
    gate ??= load().catch((error: unknown) => {
      gate = undefined;
      throw error;
    });
    return (await gate)(request, context, work);
  };
}
