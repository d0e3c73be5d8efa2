import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EmfMetricsRecorder, MAX_VALUES_PER_METRIC } from '#functions/metrics/emf-metrics-recorder';

interface Directive {
  readonly Namespace: string;
  readonly Dimensions: string[][];
  readonly Metrics: { readonly Name: string; readonly Unit: string }[];
}
type Line = Record<string, unknown> & { _aws?: { Timestamp: number; CloudWatchMetrics: Directive[] } };

/** A recorder whose lines are kept, parsed, as CloudWatch Logs receives them. */
function recorder() {
  let output = '';
  const emf = new EmfMetricsRecorder((text) => {
    output += text;
  });
  const lines = (): Line[] =>
    output
      .split('\n')
      .filter(Boolean)
      .map((text) => JSON.parse(text));
  return { emf, lines, raw: () => output };
}

/** The values CloudWatch extracts, per metric and dimension values, after checking the format's rules. */
function extracted(lines: readonly Line[]): Map<string, number[]> {
  const values = new Map<string, number[]>();
  for (const line of lines) {
    const aws = line._aws;
    if (aws === undefined) continue;
    // Milliseconds since the epoch, now: CloudWatch drops values stamped over two weeks off.
    expect(Math.abs(aws.Timestamp - Date.now())).toBeLessThan(60_000);
    for (const directive of aws.CloudWatchMetrics) {
      expect(directive.Namespace).toBe('Sluice');
      expect(directive.Metrics.length).toBeLessThanOrEqual(100);
      for (const set of directive.Dimensions) {
        expect(set.length).toBeLessThanOrEqual(30);
        for (const name of set) expect(typeof line[name]).toBe('string');
      }
      const dimensions = (directive.Dimensions[0] ?? []).map((name) => `${name}=${line[name]}`).join(',');
      for (const metric of directive.Metrics) {
        const value = line[metric.Name];
        const list = Array.isArray(value) ? value : [value];
        expect(list.length).toBeLessThanOrEqual(MAX_VALUES_PER_METRIC);
        for (const item of list) expect(typeof item).toBe('number');
        const key = `${metric.Name}{${dimensions}}`;
        values.set(key, [...(values.get(key) ?? []), ...(list as number[])]);
      }
    }
  }
  return values;
}

const events = { tenant: 't', stream: 'events' };

describe('EmfMetricsRecorder', () => {
  it('writes an invocation of one stream as one line, a directive per dimension set', () => {
    const { emf, lines } = recorder();
    emf.count('Requests', { ...events, status_class: '2xx' });
    emf.count('RecordsAccepted', events, 3);
    emf.observe('HandlerLatency', events, 4.5);
    emf.publish();
    expect(lines()).toHaveLength(1);
    expect(lines()[0]?._aws?.CloudWatchMetrics.map((directive) => directive.Dimensions)).toEqual([
      [['tenant', 'stream', 'status_class']],
      [['tenant', 'stream']],
    ]);
    expect(extracted(lines())).toEqual(
      new Map([
        ['Requests{tenant=t,stream=events,status_class=2xx}', [1]],
        ['RecordsAccepted{tenant=t,stream=events}', [3]],
        ['HandlerLatency{tenant=t,stream=events}', [4.5]],
      ]),
    );
  });

  it('puts the same metric under other dimension values on a line of its own', () => {
    const { emf, lines } = recorder();
    emf.count('RecordsAccepted', events, 2);
    emf.count('RecordsAccepted', { tenant: 't', stream: 'orders' }, 5);
    emf.publish();
    expect(lines()).toHaveLength(2);
    expect(extracted(lines()).get('RecordsAccepted{tenant=t,stream=orders}')).toEqual([5]);
    expect(extracted(lines()).get('RecordsAccepted{tenant=t,stream=events}')).toEqual([2]);
  });

  it(`keeps ${MAX_VALUES_PER_METRIC} values of a timing per line: ${MAX_VALUES_PER_METRIC + 1} go on two lines`, () => {
    for (const count of [MAX_VALUES_PER_METRIC, MAX_VALUES_PER_METRIC + 1]) {
      const { emf, lines } = recorder();
      emf.count('Requests', { ...events, status_class: '2xx' });
      for (let index = 0; index < count; index++) emf.observe('HandlerLatency', events, index);
      emf.annotate({ message: 'records accepted' });
      emf.publish();
      expect(lines()).toHaveLength(count === MAX_VALUES_PER_METRIC ? 1 : 2);
      // The fields are the request's, written once.
      expect(lines().map((line) => line.message)).toEqual(
        count === MAX_VALUES_PER_METRIC ? ['records accepted'] : ['records accepted', undefined],
      );
      expect(extracted(lines()).get('HandlerLatency{tenant=t,stream=events}')).toEqual(
        Array.from({ length: count }, (_, index) => index),
      );
    }
  });

  it('carries annotated fields on the first line, never in place of a dimension, a metric or _aws', () => {
    const { emf, lines, raw } = recorder();
    emf.count('RecordsAccepted', events);
    emf.annotate({ message: 'records accepted', stream: 'spoofed', RecordsAccepted: 99, receipt: 'r-1', _aws: 'x' });
    emf.publish();
    expect(lines()).toHaveLength(1);
    // No member twice: a JSON reader keeps either one of a duplicate.
    for (const member of ['"stream":', '"RecordsAccepted":', '"_aws":']) expect(raw().split(member)).toHaveLength(2);
    expect(lines()[0]).toMatchObject({ message: 'records accepted', receipt: 'r-1', stream: 'events' });
    expect(extracted(lines()).get('RecordsAccepted{tenant=t,stream=events}')).toEqual([1]);
  });

  it('writes annotated fields alone when nothing was recorded, and nothing at all when neither was', () => {
    const { emf, lines, raw } = recorder();
    emf.publish();
    expect(raw()).toBe('');
    emf.annotate({ message: 'records accepted', _aws: 'not a directive' });
    emf.publish();
    expect(lines()).toEqual([{ message: 'records accepted' }]);
  });

  it('keeps the last value of a gauge and drops values that are not finite numbers', () => {
    const { emf, lines } = recorder();
    const source = { tenant: 't', source: 'gh' };
    emf.observe('PullSecondsSinceLastSuccess', source, 60);
    emf.observe('PullSecondsSinceLastSuccess', source, 120);
    emf.observe('PullSecondsSinceLastSuccess', source, Number.NaN);
    emf.count('PullRecords', source, Number.POSITIVE_INFINITY);
    emf.count('PullPages', source, 2);
    emf.publish();
    expect(extracted(lines())).toEqual(
      new Map([
        ['PullSecondsSinceLastSuccess{tenant=t,source=gh}', [120]],
        ['PullPages{tenant=t,source=gh}', [2]],
      ]),
    );
  });

  it('forgets what it published: the next invocation writes only its own values and fields', () => {
    const { emf, lines } = recorder();
    emf.count('RecordsAccepted', events, 2);
    emf.annotate({ receipt: 'first' });
    emf.publish();
    emf.count('RecordsAccepted', events, 3);
    emf.publish();
    expect(lines()[1]?.receipt).toBeUndefined();
    expect(lines()[1]?.RecordsAccepted).toBe(3);
  });

  it('writes every recorded value of each invocation, summed per counter, in lines CloudWatch accepts (property)', () => {
    const streams = ['a', 'b', 'c'];
    const operation = fc.oneof(
      fc.record({ kind: fc.constant('count' as const), stream: fc.constantFrom(...streams), value: fc.nat(1_000) }),
      fc.record({ kind: fc.constant('observe' as const), stream: fc.constantFrom(...streams), value: fc.nat(30_000) }),
      fc.record({ kind: fc.constant('request' as const), stream: fc.constantFrom(...streams), value: fc.constant(1) }),
    );
    fc.assert(
      // Several invocations on one recorder: what one wrote must never reach the next.
      fc.property(fc.array(fc.array(operation, { maxLength: 250 }), { minLength: 1, maxLength: 4 }), (invocations) => {
        const { emf, lines } = recorder();
        for (const operations of invocations) {
          const before = lines().length;
          const expected = new Map<string, number[]>();
          const add = (key: string, value: number, sum: boolean) => {
            const list = expected.get(key) ?? [];
            if (sum) list[0] = (list[0] ?? 0) + value;
            else list.push(value);
            expected.set(key, list);
          };
          for (const { kind, stream, value } of operations) {
            if (kind === 'count') {
              emf.count('BytesAccepted', { tenant: 't', stream }, value);
              add(`BytesAccepted{tenant=t,stream=${stream}}`, value, true);
            } else if (kind === 'observe') {
              emf.observe('HandlerLatency', { tenant: 't', stream }, value);
              add(`HandlerLatency{tenant=t,stream=${stream}}`, value, false);
            } else {
              emf.count('Requests', { tenant: 't', stream, status_class: '2xx' });
              add(`Requests{tenant=t,stream=${stream},status_class=2xx}`, 1, true);
            }
          }
          emf.publish();
          expect(extracted(lines().slice(before))).toEqual(expected);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('after an invocation of many streams, the next writes only its own', () => {
    const { emf, lines } = recorder();
    for (let index = 0; index < 1_000; index++) emf.count('RecordsAccepted', { tenant: 't', stream: `s${index}` }, 1);
    emf.publish();
    expect(lines()).toHaveLength(1_000);
    emf.count('RecordsAccepted', { tenant: 't', stream: 's7' }, 5);
    emf.publish();
    expect(lines().slice(1_000)).toHaveLength(1);
    expect(extracted(lines().slice(1_000))).toEqual(new Map([['RecordsAccepted{tenant=t,stream=s7}', [5]]]));
  });
});
