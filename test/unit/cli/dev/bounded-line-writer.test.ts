import { describe, expect, it } from 'vitest';
import { boundedLineWriter } from '#cli/dev/bounded-line-writer';

describe("sluice dev's request lines while its output is not read", () => {
  it('writes every line while the backlog is at the limit, leaves them out above it, and says how many once it is back', () => {
    const written: string[] = [];
    let backlog = 0;
    const line = boundedLineWriter(
      (text) => written.push(text),
      () => backlog,
      100,
    );
    line('a');
    backlog = 100;
    line('b');
    backlog = 101;
    line('c');
    line('d');
    backlog = 0;
    line('e');
    line('f');
    expect(written).toEqual([
      'a\n',
      'b\n',
      '… 2 request lines not shown: the output of sluice dev was not read fast enough\n',
      'e\n',
      'f\n',
    ]);
  });

  it('keeps the memory of a stalled reader bounded: a million lines past the limit write nothing', () => {
    let writes = 0;
    const line = boundedLineWriter(
      () => {
        writes += 1;
      },
      () => 2_000_000,
    );
    for (let index = 0; index < 1_000_000; index += 1) line('POST /stream/v0/data/orders 202 1 ms 1 record');
    expect(writes).toBe(0);
  });
});
