import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_RECORD_BYTES } from '#shared/contract/contract';
import { FakeApi } from './support/fake-api.ts';
import { MemoryStateStore } from './support/memory-state-store.ts';
import { FakeClock, RecordingDelivery, secrets, source, stream } from './support/pull-fixtures.ts';
import { runPull } from './support/run-to-end.ts';

// One API for every case: each run is served the page last put here.
let page: string | Uint8Array = '';
let api: FakeApi;
beforeAll(async () => {
  api = await FakeApi.start(() => ({ body: page }));
});
afterAll(() => api.close());

const FETCHED_AT = '2026-03-01T12:00:00.000Z';

async function landedLines(body: string | Uint8Array, deadLetter = true) {
  page = body;
  const delivery = new RecordingDelivery();
  const clock = new FakeClock(Date.parse(FETCHED_AT));
  const summary = await runPull(
    {
      tenant: 't',
      source: source({ request: { url: api.url('/items') }, records: '/items' }),
      stream: stream(deadLetter),
      runId: 'run-1',
    },
    { store: new MemoryStateStore(clock.now), delivery, secrets: secrets(), now: clock.now, sleep: clock.sleep },
  );
  return { summary, delivery };
}

/** The line a record must land as: `_sluice` first, the record's own text with its raw line breaks removed. */
function expectedLine(recordText: string): string {
  const digest = createHash('sha256').update(`src\n${recordText}`).digest('hex');
  const member = `"_sluice":{"source":"src","run":"run-1","page":1,"fetched_at":"${FETCHED_AT}","record_id":"${digest}"}`;
  const rest = recordText.replace(/[\r\n]/g, '').slice(1);
  return /^\s*\}$/.test(rest) ? `{${member}}\n` : `{${member},${rest}\n`;
}

// Records as APIs send them: compact or indented (LF, CRLF or CR), any characters, any size up to
// ~40 KB (so a page may arrive in several chunks).
const recordText = fc
  .tuple(
    fc.dictionary(
      fc.oneof(fc.string({ maxLength: 8 }), fc.string({ unit: 'binary', maxLength: 8 })),
      fc.jsonValue({ maxDepth: 2 }),
      { maxKeys: 5 },
    ),
    fc.constantFrom('compact', 'indented', 'crlf', 'cr'),
    fc.nat({ max: 40_000 }),
    fc.constantFrom('x', 'é', '€', '𝄞'),
  )
  .map(([object, layout, padding, character]) => {
    const value = padding > 0 ? { ...object, pad: character.repeat(padding / character.length) } : object;
    const compact = JSON.stringify(value);
    if (layout === 'compact') return compact;
    const indented = JSON.stringify(value, null, 2);
    if (layout === 'indented') return indented;
    return indented.replaceAll('\n', layout === 'crlf' ? '\r\n' : '\r');
  });

describe('the bytes a pull lands', () => {
  it('are each record as the API sent it, line breaks removed, _sluice first, one line per record', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(recordText, { maxLength: 6 }),
        fc.constantFrom(',', ' ,\n'),
        fc.boolean(),
        async (records, separator, bom) => {
          const { summary, delivery } = await landedLines(
            `${bom ? '\uFEFF' : ''}{"items":[${records.join(separator)}]}`,
          );
          expect(summary.status).toBe('succeeded');
          // Each line is decoded on its own: a line's bytes hold exactly that line.
          expect(delivery.lines()).toEqual(records.map(expectedLine));
        },
      ),
      { numRuns: 100 },
    );
  });

  it('lands a byte that is not UTF-8 as U+FFFD, as a decoder does, also where every other byte is ASCII', async () => {
    const record = (invalid: number[]) => [...Buffer.from('{"s":"a'), ...invalid, ...Buffer.from('b"}')];
    const body = Uint8Array.from([
      ...Buffer.from('{"items":['),
      ...record([0xff]),
      0x2c,
      ...record([0xc3]),
      ...Buffer.from(']}'),
    ]);
    const { delivery } = await landedLines(body);
    expect(delivery.lines()).toEqual([expectedLine('{"s":"a\uFFFDb"}'), expectedLine('{"s":"a\uFFFDb"}')]);
  });

  it(`lands a record whose line is ${MAX_RECORD_BYTES} bytes and sets aside one a byte longer`, async () => {
    const withPad = (bytes: number) => `{"pad":"${'x'.repeat(bytes)}"}`;
    const overhead = Buffer.byteLength(expectedLine(withPad(0)));
    const atLimit = withPad(MAX_RECORD_BYTES - overhead);
    const overLimit = withPad(MAX_RECORD_BYTES - overhead + 1);
    expect(Buffer.byteLength(expectedLine(atLimit))).toBe(MAX_RECORD_BYTES);
    const { delivery } = await landedLines(`{"items":[${atLimit},${overLimit}]}`);
    expect(delivery.lines()).toEqual([expectedLine(atLimit)]);
    const dead = delivery.lines('dead-letter').map((line) => JSON.parse(line));
    expect(dead.map((entry) => entry.reason)).toEqual([
      `the record is over ${MAX_RECORD_BYTES} bytes, the most one record may be`,
    ]);
  });
});
