import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CONTRACT_STATUS,
  CONTRACT_STATUS_CODES,
  CONTRACT_STATUSES,
  FIREHOSE_BATCH_LIMITS,
} from '#shared/contract/contract';
import { PayloadTooLargeError, PROBLEM_TYPES, problemType, UnsupportedMediaTypeError } from '#shared/contract/errors';
import { MAX_BATCH_RECORDS } from '#shared/contract/ingest-limits';
import {
  DOCS_COMMAND,
  GENERATED_DOCS,
  MissingMarkersError,
  problemTypesTable,
  statusTable,
  statusTableWithSource,
  withGeneratedSections,
} from '#shared/docs-tables/contract-tables';

const REPO_ROOT = join(import.meta.dirname, '../../../..');

describe('the generated docs', () => {
  it.each(GENERATED_DOCS.map((doc) => [doc.path, doc] as const))(
    '%s holds exactly the tables that npm run docs writes',
    async (path, doc) => {
      const current = await readFile(join(REPO_ROOT, path), 'utf8');
      expect(current, `${path} differs from the contract in shared/: run \`${DOCS_COMMAND}\``).toBe(
        withGeneratedSections(current, doc.sections),
      );
    },
  );

  it('prints who answers in docs/contract.md and the short form in the README', () => {
    expect(statusTableWithSource().split('\n')[0]).toBe('| status | who | when | retry? |');
    expect(statusTable().split('\n')[0]).toBe('| status | when | retry? |');
    expect(statusTableWithSource()).toContain('| 404 | gateway / function | unknown stream id | no |');
  });

  it('has one row per contract status, in order, with no retry advice for a 202', () => {
    const rows = statusTable().split('\n').slice(2);
    expect(rows.map((row) => Number(row.split(' | ')[0]?.slice(2)))).toEqual([...CONTRACT_STATUS_CODES]);
    expect(rows[0]).toMatch(/ \| — \|$/);
    expect(rows.find((row) => row.startsWith('| 503 '))).toMatch(/ \| yes \|$/);
  });

  it('states the 413 default in bytes and the 415 causes the function checks', () => {
    expect(statusTable()).toContain('default 254 KiB (260,096 bytes)');
    expect(statusTable()).toMatch(
      /\| 415 \| content type, charset or content coding the stream does not take; no `Content-Type`, or several /,
    );
  });

  it('lists every problem type with its URI, status and title', () => {
    const table = problemTypesTable();
    expect(table.split('\n')).toHaveLength(PROBLEM_TYPES.length + 2);
    expect(table).toContain(`| \`${problemType('payload-too-large')}\` | 413 | Payload too large |`);
  });
});

describe('withGeneratedSections', () => {
  const doc = 'intro\n<!-- generated:t -->\nstale\n<!-- /generated:t -->\nrest\n';

  it('replaces what lies between the markers and keeps the rest', () => {
    expect(withGeneratedSections(doc, { t: 'fresh' })).toBe(
      'intro\n<!-- generated:t -->\nfresh\n<!-- /generated:t -->\nrest\n',
    );
  });

  it('gives the same text when run twice', () => {
    const once = withGeneratedSections(doc, { t: 'fresh' });
    expect(withGeneratedSections(once, { t: 'fresh' })).toBe(once);
  });

  it('refuses a document without the markers, or with them twice, instead of leaving it stale', () => {
    expect(() => withGeneratedSections('no markers', { t: 'x' })).toThrow(MissingMarkersError);
    expect(() => withGeneratedSections('<!-- /generated:t --><!-- generated:t -->', { t: 'x' })).toThrow(
      MissingMarkersError,
    );
    expect(() => withGeneratedSections(`${doc}${doc}`, { t: 'x' })).toThrow(MissingMarkersError);
  });
});

describe('one source for statuses and limits', () => {
  it('gives every error class a status from the contract table', () => {
    for (const row of PROBLEM_TYPES) expect(CONTRACT_STATUS_CODES.has(row.status)).toBe(true);
    expect(new PayloadTooLargeError(1, 2).status).toBe(CONTRACT_STATUS.payloadTooLarge.status);
    expect(new UnsupportedMediaTypeError('x').status).toBe(CONTRACT_STATUS.unsupportedMediaType.status);
  });

  it('lists the table rows in ascending status order, each status once', () => {
    const statuses = CONTRACT_STATUSES.map((row) => row.status);
    expect(statuses).toEqual([...new Set(statuses)].sort((a, b) => a - b));
  });

  it('takes at most one Firehose PutRecordBatch call of records per batch post', () => {
    expect(MAX_BATCH_RECORDS).toBe(FIREHOSE_BATCH_LIMITS.records);
  });
});
