import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeSegment, encodeAppends, encodeEntries, type JournalAppend } from '#local/firehose/buffer-journal';

const text = (record: Uint8Array) => new TextDecoder().decode(record);

/** Appends whose records name their append (`<append>/<record>`), some of them keyed. */
const appends = fc
  .array(fc.record({ records: fc.integer({ min: 0, max: 4 }), keyed: fc.boolean(), key: fc.string() }), {
    maxLength: 12,
  })
  .map((drawn) =>
    drawn.map(
      ({ records, keyed, key }, index): JournalAppend => ({
        records: Array.from({ length: records }, (_, n) => Buffer.from(`${index}/${n}`)),
        ...(keyed ? { completes: { streamId: 'events', key, digest: 'd', answer: { statusCode: 202 } } } : {}),
      }),
    ),
  );

describe('a journal segment', () => {
  it('reads back every record in order, and the keyed answers apart from them', () => {
    fc.assert(
      fc.property(appends, (written) => {
        const read = decodeSegment(encodeAppends(written));
        expect(read.records.map(text)).toEqual(written.flatMap((append) => append.records.map(text)));
        expect(read.answers).toEqual(written.flatMap((append) => (append.completes ? [append.completes] : [])));
      }),
    );
  });

  it('cut anywhere (a crash mid-write), keeps a keyed post’s records only with its answer', () => {
    fc.assert(
      fc.property(appends, fc.nat(), (written, cutAt) => {
        const bytes = encodeAppends(written);
        const read = decodeSegment(bytes.subarray(0, cutAt % (bytes.length + 1)));
        const landed = new Set(read.records.map(text));
        const answered = new Set(read.answers.map((answer) => answer.key));
        written.forEach((append, index) => {
          if (!append.completes || append.records.length === 0) return;
          const kept = append.records.filter((_, n) => landed.has(`${index}/${n}`)).length;
          // Whole or nothing, and whole exactly when its answer was read (keys may repeat: then any one).
          expect([0, append.records.length]).toContain(kept);
          if (kept > 0) expect(answered.has(append.completes.key)).toBe(true);
        });
      }),
    );
  });

  it('reads a segment written before keyed entries existed as plain records', () => {
    const old = encodeEntries([Buffer.from('{"n":1}\n'), Buffer.from('{"n":2}\n')]);
    expect(decodeSegment(old)).toEqual({ records: [Buffer.from('{"n":1}\n'), Buffer.from('{"n":2}\n')], answers: [] });
  });
});
