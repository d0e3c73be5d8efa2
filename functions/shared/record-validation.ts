/**
 * Validation of one parsed record: against the stream's valibot schema, or, for a schemaless
 * stream, as any JSON object (as Amperity takes it). Issues become `{ path, message }` with
 * RFC 6901 JSON Pointer paths.
 */
import { Buffer } from 'node:buffer';
import * as v from 'valibot';
import type { StreamConfig } from '#shared/config/tenant-config';
import type { FieldError } from '#shared/contract/errors';
import { DETAILED_ERRORS_BUDGET_BYTES, MAX_ERRORS_PER_RECORD } from '#shared/contract/ingest-limits';

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

/** How many bytes of invalid records may still have every error listed, shared by one request's records. */
export interface DetailedErrorsBudget {
  remainingBytes: number;
}

/** A fresh budget for one request. */
export function detailedErrorsBudget(): DetailedErrorsBudget {
  return { remainingBytes: DETAILED_ERRORS_BUDGET_BYTES };
}

function safeParse(schema: NonNullable<StreamConfig['schema']>, value: unknown, abortEarly: boolean) {
  try {
    return v.safeParse(schema, value, { abortEarly });
  } catch (error) {
    // A schema with recursion could still overflow the stack on a deep (within-limit) record.
    if (error instanceof RangeError) return undefined;
    throw error;
  }
}

const TOO_DEEP: FieldError[] = [{ path: '', message: 'The record nests too deep to validate' }];

/**
 * The record's validation errors; empty when it is valid. With a budget, an invalid record (its
 * posted `text`) lists every error only while the budget lasts, else its first one and a note.
 */
export function validateRecord(
  stream: StreamConfig,
  value: unknown,
  budget?: { readonly errors: DetailedErrorsBudget; readonly text: string },
): FieldError[] {
  if (stream.schema === undefined) {
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return [];
    return [{ path: '', message: `Invalid type: expected a JSON object but received ${typeName(value)}` }];
  }
  // The first error costs little whatever the record; a valid record costs the same either way.
  const first = safeParse(stream.schema, value, true);
  if (first === undefined) return TOO_DEEP;
  if (first.success) return [];
  const textBytes = budget ? Buffer.byteLength(budget.text, 'utf8') : 0;
  if (budget && textBytes > budget.errors.remainingBytes) {
    const [issue] = first.issues;
    return [
      { path: pointer(issue), message: issue.message },
      {
        path: '',
        message: `further errors of this record are not listed: a request lists every error only for its first ${DETAILED_ERRORS_BUDGET_BYTES} bytes of invalid records`,
      },
    ];
  }
  if (budget) budget.errors.remainingBytes -= textBytes;
  const result = safeParse(stream.schema, value, false);
  if (result === undefined) return TOO_DEEP;
  if (result.success) return [];
  return capped(result.issues.map((issue) => ({ path: pointer(issue), message: issue.message })));
}
