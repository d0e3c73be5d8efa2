import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lineChunks } from '#cli/send/record-chunks';

async function collect(input: Buffer[], start = 0) {
  const chunks: { records: string[]; offset: number }[] = [];
  async function* pieces() {
    yield* input;
  }
  for await (const chunk of lineChunks(pieces(), start)) chunks.push(chunk);
  return chunks;
}

/** The bytes cut at the given points, as a read stream would deliver them. */
function split(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
  const pieces: Buffer[] = [];
  let from = 0;
  for (const point of [...points, bytes.length]) {
    pieces.push(bytes.subarray(from, point));
    from = point;
  }
  return pieces;
}

describe('sluice send reading NDJSON', () => {
  it('yields every non-blank line once, however the bytes arrive, and resumes at any yielded offset', async () => {
    const line = fc.oneof(
      fc.constant(''),
      fc.constant('  '),
      fc.string({ unit: 'grapheme', maxLength: 30 }).map((text) => text.replace(/\n/g, '')),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(line, { maxLength: 1200 }),
        fc.boolean(),
        fc.array(fc.nat(), { maxLength: 6 }),
        async (lines, trailingNewline, cuts) => {
          const text = lines.join('\n') + (trailingNewline && lines.length > 0 ? '\n' : '');
          const bytes = Buffer.from(text);
          const chunks = await collect(split(bytes, cuts));
          const expected = lines.filter((candidate) => candidate.trim() !== '');
          expect(chunks.flatMap((chunk) => chunk.records)).toEqual(expected);
          expect(chunks.at(-1)?.offset ?? 0).toBe(bytes.length);
          for (const [index, chunk] of chunks.entries()) {
            const resumed = await collect([bytes.subarray(chunk.offset)], chunk.offset);
            expect(resumed.flatMap((next) => next.records)).toEqual(
              chunks.slice(index + 1).flatMap((next) => next.records),
            );
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});
