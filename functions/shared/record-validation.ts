/**
 * Validation of one parsed record: against the stream's valibot schema, or, for a schemaless
 * stream, as any JSON object (as Amperity takes it). Issues become `{ path, message }` with
 * RFC 6901 JSON Pointer paths.
 */
import * as v from 'valibot';
import type { StreamConfig } from '#shared/config/tenant-config';
import type { FieldError } from '#shared/contract/errors';
import { MAX_ERRORS_PER_RECORD } from '#shared/contract/ingest-limits';

function pointer(issue: v.BaseIssue<unknown>): string {
  const keys = (issue.path ?? []).map((item) => String((item as { key?: unknown }).key));
  return keys.map((key) => `/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'array' : typeof value;
}

function capped(errors: readonly FieldError[]): FieldError[] {
  if (errors.length <= MAX_ERRORS_PER_RECORD) return [...errors];
  const kept = errors.slice(0, MAX_ERRORS_PER_RECORD - 1);
  return [...kept, { path: '', message: `and ${errors.length - kept.length} more errors` }];
}

/** The record's validation errors; empty when it is valid. */
export function validateRecord(stream: StreamConfig, value: unknown): FieldError[] {
  if (stream.schema === undefined) {
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return [];
    return [{ path: '', message: `Invalid type: expected a JSON object but received ${typeName(value)}` }];
  }
  let result: ReturnType<typeof v.safeParse>;
  try {
    result = v.safeParse(stream.schema, value);
  } catch (error) {
    // A schema with recursion could still overflow the stack on a deep (within-limit) record.
    if (error instanceof RangeError) return [{ path: '', message: 'The record nests too deep to validate' }];
    throw error;
  }
  if (result.success) return [];
  return capped(result.issues.map((issue) => ({ path: pointer(issue), message: issue.message })));
}
