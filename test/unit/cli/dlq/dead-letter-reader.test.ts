import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDeadLetterLine } from '#cli/dlq/dead-letter-reader';
import { deadLetterLine } from '#functions/ingest/dead-letter-record';
import { SchemaViolationError } from '#shared/contract/errors';

const source = {
  tenant: 't',
  streamId: 's',
  requestId: 'req',
  receivedAt: new Date('2025-01-01T00:00:00Z'),
  batch: true,
};

function written(text: string, index: number): string {
  const errors = [{ path: '/a', message: 'bad' }];
  const line = deadLetterLine(source, { index, text, error: new SchemaViolationError('x', errors), errors });
  return Buffer.from(line).toString('utf8').trimEnd();
}

describe('parseDeadLetterLine', () => {
  it('reads back the record, problem and identity of every line the ingest function writes', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.nat(499), (text, index) => {
        const entry = parseDeadLetterLine('k', 1, written(text, index));
        expect(entry).toMatchObject({
          origin: 'post',
          record: text,
          slug: 'schema-violation',
          index,
          truncated: false,
        });
        expect(entry.id).toBe(parseDeadLetterLine('other-key', 9, written(text, index)).id);
      }),
    );
  });

  it('gives records that differ in text or index different identities', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (a, b) => {
        fc.pre(a !== b);
        expect(parseDeadLetterLine('k', 1, written(a, 0)).id).not.toBe(parseDeadLetterLine('k', 1, written(b, 0)).id);
      }),
    );
    expect(parseDeadLetterLine('k', 1, written('x', 0)).id).not.toBe(parseDeadLetterLine('k', 1, written('x', 1)).id);
  });

  it('never throws on a line that is not a dead letter; it reads as unreadable', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json()), (line) => {
        const entry = parseDeadLetterLine('k', 1, line);
        if (entry.origin === 'unreadable') expect(entry.record).toBeUndefined();
        else expect(typeof entry.record).toBe('string');
      }),
    );
  });
});
