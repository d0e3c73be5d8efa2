import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { DEFAULT_DEAD_LETTER_ALARM_RECORDS } from '#shared/config/alarm-config';
import {
  DEFAULT_MAX_PAGE_BYTES,
  DEFAULT_MAX_PAGES,
  DEFAULT_MAX_RECORDS_PER_PAGE,
  DEFAULT_MAX_RUN_MINUTES,
  DEFAULT_REQUEST_TIMEOUT_SECONDS,
} from '#shared/config/source-config';
import { DEFAULT_BYTES_SCANNED_CUTOFF_MB } from '#shared/config/storage-config';
import {
  defineTenant,
  isDefinedTenant,
  TENANT_DEFAULTS,
  TenantConfigError,
  type TenantConfigInput,
} from '#shared/config/tenant-config';
import { DEFAULT_MAX_BYTES } from '#shared/contract/contract';
import example from '#tenants/example';

const valid: TenantConfigInput = {
  tenant: 'acme',
  auth: { issuer: 'self' },
  streams: { clicks: { payload: 'json' } },
};

function problemsOf(input: unknown): string[] {
  try {
    defineTenant(input as TenantConfigInput);
  } catch (error) {
    if (error instanceof TenantConfigError) return [...error.problems];
    throw error;
  }
  throw new Error('expected the config to be refused');
}

describe('defineTenant', () => {
  it('applies the documented defaults', () => {
    const config = defineTenant(valid);
    expect(config.throttle).toEqual({ rate: 500, burst: 1000 });
    expect(config.auth).toEqual({ issuer: 'self', maxTokenDays: 30, rotationDays: 90, keyReaders: [] });
    expect(config.streams.clicks).toMatchObject({
      id: 'clicks',
      payload: 'json',
      deadLetter: false,
      batch: false,
      maxBytes: DEFAULT_MAX_BYTES,
      compression: 'none',
      delivery: 'direct',
      buffering: { seconds: 60, mebibytes: 5 },
    });
  });

  it('takes IAM role and user ARNs as key readers of the self issuer and refuses anything else, naming the field', () => {
    const readers = ['arn:aws:iam::123456789012:role/ci/token-minter', 'arn:aws:iam::123456789012:user/bob'];
    const config = defineTenant({ ...valid, auth: { issuer: 'self', keyReaders: readers } });
    expect(config.auth).toMatchObject({ keyReaders: readers });
    for (const bad of [
      'arn:aws:sts::123456789012:assumed-role/deployer/alice',
      'arn:aws:iam::123456789012:group/ops',
    ]) {
      const problems = problemsOf({ ...valid, auth: { issuer: 'self', keyReaders: [bad] } });
      expect(problems.join('\n')).toMatch(/keyReaders.*must be an IAM role or user ARN/);
    }
  });

  it('refuses an unknown payload type and names the field', () => {
    expect(problemsOf({ ...valid, streams: { clicks: { payload: 'csv' } } })).toEqual([
      'streams.clicks.payload: payload must be "json" or "xml"',
    ]);
  });

  it('refuses a stream id with a slash', () => {
    const problems = problemsOf({ ...valid, streams: { 'a/b': { payload: 'json' } } });
    expect(problems.join('\n')).toMatch(/stream id must be 1 to 64 letters/);
  });

  it('refuses a stream id of 65 characters by its pattern', () => {
    const problems = problemsOf({ ...valid, streams: { ['a'.repeat(65)]: { payload: 'json' } } });
    expect(problems.join('\n')).toMatch(/stream id must be 1 to 64 letters/);
  });

  it('takes a stream whose delivery stream name has 64 characters and refuses 65, naming the stream', () => {
    // sluice.acme.<id> is 12 characters plus the id.
    expect(() => defineTenant({ ...valid, streams: { ['a'.repeat(52)]: { payload: 'json' } } })).not.toThrow();
    const problems = problemsOf({ ...valid, streams: { ['a'.repeat(53)]: { payload: 'json' } } });
    expect(problems).toEqual([
      `streams: stream "${'a'.repeat(53)}": its delivery stream name sluice.acme.${'a'.repeat(53)} has 65 characters, over Firehose's 64; shorten the stream id or the tenant name`,
    ]);
  });

  it("counts the dead-letter stream's .dlq in the name limit", () => {
    const stream = (id: string) => ({ [id]: { payload: 'json', deadLetter: true } }) as TenantConfigInput['streams'];
    expect(() => defineTenant({ ...valid, streams: stream('a'.repeat(48)) })).not.toThrow();
    expect(problemsOf({ ...valid, streams: stream('a'.repeat(49)) }).join('\n')).toMatch(
      /sluice\.acme\.a{49}\.dlq has 65 characters/,
    );
  });

  it("counts a JSON projection's .json in the name limit", () => {
    const stream = (id: string) => ({ [id]: { payload: 'xml', projection: 'json' } }) as TenantConfigInput['streams'];
    expect(() => defineTenant({ ...valid, streams: stream('a'.repeat(47)) })).not.toThrow();
    expect(problemsOf({ ...valid, streams: stream('a'.repeat(48)) }).join('\n')).toMatch(
      /sluice\.acme\.a{48}\.json has 65 characters/,
    );
  });

  it('takes 12 streams and refuses 13, naming the maximum', () => {
    const streams = (count: number) =>
      Object.fromEntries(Array.from({ length: count }, (_, i) => [`s${i}`, { payload: 'json' as const }]));
    expect(Object.keys(defineTenant({ ...valid, streams: streams(12) }).streams)).toHaveLength(12);
    expect(problemsOf({ ...valid, streams: streams(13) })).toEqual([
      "streams: streams has 13 streams; a tenant takes at most 12 (MAX_STREAMS_PER_TENANT: every stream's delivery binding must fit the ingest function's 4 KB environment)",
    ]);
  });

  it('reserves no ingest concurrency unless asked, and takes 1 to 10,000 when asked', () => {
    expect(defineTenant(valid).reservedConcurrency).toBeUndefined();
    expect(defineTenant({ ...valid, reservedConcurrency: 1 }).reservedConcurrency).toBe(1);
    expect(defineTenant({ ...valid, reservedConcurrency: 10_000 }).reservedConcurrency).toBe(10_000);
    expect(problemsOf({ ...valid, reservedConcurrency: 0 })).toEqual([
      'reservedConcurrency: reservedConcurrency must be at least 1',
    ]);
    expect(problemsOf({ ...valid, reservedConcurrency: 10_001 })).toEqual([
      'reservedConcurrency: reservedConcurrency must be at most 10000',
    ]);
  });

  it('refuses the old `concurrency` key and points to its replacement', () => {
    expect(problemsOf({ ...valid, concurrency: 100 } as never).join('\n')).toMatch(/concurrency.*reservedConcurrency/s);
  });

  it('refuses a negative limit and names it', () => {
    expect(problemsOf({ ...valid, streams: { clicks: { payload: 'json', maxBytes: -1 } } })).toEqual([
      'streams.clicks.maxBytes: maxBytes must be at least 1',
    ]);
  });

  it("sets Athena's cutoff to 10 GiB by default and takes 10 MiB but not 9", () => {
    expect(defineTenant(valid).analytics).toEqual({ bytesScannedCutoffMb: DEFAULT_BYTES_SCANNED_CUTOFF_MB });
    expect(DEFAULT_BYTES_SCANNED_CUTOFF_MB).toBe(10_240);
    expect(defineTenant({ ...valid, analytics: { bytesScannedCutoffMb: 10 } }).analytics.bytesScannedCutoffMb).toBe(10);
    expect(problemsOf({ ...valid, analytics: { bytesScannedCutoffMb: 9 } })).toEqual([
      'analytics.bytesScannedCutoffMb: bytesScannedCutoffMb must be at least 10 (an Athena rule)',
    ]);
  });

  it('takes a JSON projection on an XML stream and refuses it on a JSON stream', () => {
    expect(
      defineTenant({ ...valid, streams: { p: { payload: 'xml', projection: 'json' } } }).streams.p?.projection,
    ).toBe('json');
    expect(problemsOf({ ...valid, streams: { c: { payload: 'json', projection: 'json' } } })).toEqual([
      'streams.c.projection: projection is only for XML streams (JSON streams land as NDJSON already)',
    ]);
  });

  it('refuses a schema on an XML stream', () => {
    expect(problemsOf({ ...valid, streams: { p: { payload: 'xml', schema: v.object({}) } } })).toEqual([
      'streams.p.schema: a schema is only for JSON streams',
    ]);
  });

  it('refuses an unknown field instead of ignoring it', () => {
    expect(problemsOf({ ...valid, streams: { clicks: { payload: 'json', bufering: {} } } }).join('\n')).toMatch(
      /streams\.clicks\.bufering/,
    );
  });

  it('names a mistyped stream key and the key it most likely meant', () => {
    expect(problemsOf({ ...valid, streams: { clicks: { payload: 'json', bufering: {} } } })).toEqual([
      'streams.clicks.bufering: unknown key bufering; did you mean buffering?',
    ]);
  });

  it('names a mistyped tenant-level key and the key it most likely meant', () => {
    expect(problemsOf({ ...valid, throtle: 5 })).toEqual(['throtle: unknown key throtle; did you mean throttle?']);
  });

  it('suggests a key two edits away and none three edits away', () => {
    expect(problemsOf({ ...valid, throttle: { rate: 1, brust: 2, burst: 2 } })).toEqual([
      'throttle.brust: unknown key brust; did you mean burst?',
    ]);
    expect(problemsOf({ ...valid, throttle: { rate: 1, burst: 2, ab: 1 } })).toEqual(['throttle.ab: unknown key ab']);
  });

  it('names an unknown key that resembles no valid key without a suggestion', () => {
    expect(problemsOf({ ...valid, streams: { clicks: { payload: 'json', colour: 'red' } } })).toEqual([
      'streams.clicks.colour: unknown key colour',
    ]);
  });

  it('names a missing required key', () => {
    expect(problemsOf({ tenant: 'acme', auth: { issuer: 'self' } })).toEqual(['streams: streams is required']);
  });

  it('refuses an audience on the self issuer as a key it does not take', () => {
    expect(problemsOf({ ...valid, auth: { issuer: 'self', audience: ['x'] } })).toEqual([
      'auth.audience: unknown key audience',
    ]);
  });

  it('exports the defaults it applies', () => {
    const config = defineTenant(valid);
    const clicks = config.streams.clicks;
    expect(TENANT_DEFAULTS).toEqual({
      throttle: config.throttle,
      buffering: clicks?.buffering,
      compression: clicks?.compression,
      delivery: clicks?.delivery,
      maxTokenDays: 30,
      rotationDays: 90,
      idempotency: clicks?.idempotency,
    });
  });

  it('marks what it returns, so a plain object of the same shape is told apart', () => {
    const config = defineTenant(valid);
    expect(isDefinedTenant(config)).toBe(true);
    expect(isDefinedTenant({ ...config })).toBe(false);
    expect(JSON.parse(JSON.stringify(config))).toEqual(JSON.parse(JSON.stringify({ ...config })));
  });

  it('refuses a plain-http external issuer and an empty audience', () => {
    expect(problemsOf({ ...valid, auth: { issuer: 'http://idp.example.com', audience: ['x'] } }).join('\n')).toMatch(
      /^auth/,
    );
  });

  it('puts the tenant name in the error message', () => {
    expect(() => defineTenant({ ...valid, tenant: 'acme', streams: {} })).toThrow(/tenant config "acme" is invalid/);
  });
});

describe('defineTenant with pull sources', () => {
  const withSource = (source: Record<string, unknown>, name = 'gh_issues'): unknown => ({
    ...valid,
    streams: { issues: { payload: 'json' }, profiles: { payload: 'xml' } },
    sources: {
      [name]: {
        stream: 'issues',
        schedule: 'rate(15 minutes)',
        request: { url: 'https://api.github.com/repos/o/r/issues' },
        ...source,
      },
    },
  });

  it('has no sources when the config names none', () => {
    expect(defineTenant(valid).sources).toEqual({});
  });

  it('takes a source, applies its defaults and gives it its name', () => {
    const config = defineTenant(withSource({}) as TenantConfigInput);
    expect(config.sources.gh_issues).toEqual({
      name: 'gh_issues',
      stream: 'issues',
      schedule: 'rate(15 minutes)',
      request: {
        url: 'https://api.github.com/repos/o/r/issues',
        method: 'GET',
        query: {},
        headers: {},
        allowedOrigins: [],
        timeoutSeconds: DEFAULT_REQUEST_TIMEOUT_SECONDS,
      },
      auth: { type: 'none' },
      records: '',
      paginate: { type: 'none' },
      maxPages: DEFAULT_MAX_PAGES,
      maxPageBytes: DEFAULT_MAX_PAGE_BYTES,
      maxRecordsPerPage: DEFAULT_MAX_RECORDS_PER_PAGE,
      maxRunMinutes: DEFAULT_MAX_RUN_MINUTES,
    });
  });

  it('refuses a source that names a stream the tenant does not have, naming the source and the stream', () => {
    expect(problemsOf(withSource({ stream: 'tickets' }))).toEqual([
      'sources.gh_issues.stream: source "gh_issues" names stream "tickets", which this tenant does not have (it has issues, profiles)',
    ]);
  });

  it('refuses a source that lands in an XML stream, naming the source and the stream', () => {
    expect(problemsOf(withSource({ stream: 'profiles' }))).toEqual([
      'sources.gh_issues.stream: source "gh_issues" names stream "profiles", which is an XML stream; a source lands in a JSON stream',
    ]);
  });

  it('names a mistyped source key and the key it most likely meant', () => {
    expect(problemsOf(withSource({ paginate: { type: 'cursor', path: '/next', parm: 'after' } }))).toContain(
      'sources.gh_issues.paginate.parm: unknown key parm; did you mean param?',
    );
    expect(problemsOf(withSource({ shedule: 'rate(1 hour)' }))).toEqual([
      'sources.gh_issues.shedule: unknown key shedule; did you mean schedule?',
    ]);
  });

  it('takes a source name of 40 characters and refuses 41 or an upper-case one by its pattern', () => {
    expect(Object.keys(defineTenant(withSource({}, `a${'b'.repeat(39)}`) as TenantConfigInput).sources)).toEqual([
      `a${'b'.repeat(39)}`,
    ]);
    expect(problemsOf(withSource({}, `a${'b'.repeat(40)}`)).join('\n')).toMatch(/a source name must be 1 to 40/);
    expect(problemsOf(withSource({}, 'GhIssues')).join('\n')).toMatch(/a source name must be 1 to 40/);
  });
});

describe('the example tenant', () => {
  it('has orders (JSON with schema and dead-letter), events (JSON batches), profiles (XML) and github (webhook)', () => {
    expect(example.tenant).toBe('example');
    expect(example.streams.orders).toMatchObject({ payload: 'json', deadLetter: true });
    expect(example.streams.orders?.schema).toBeDefined();
    expect(example.streams.events).toMatchObject({ payload: 'json', batch: true, schema: undefined });
    expect(example.streams.profiles).toMatchObject({ payload: 'xml' });
    expect(example.streams.github).toMatchObject({
      payload: 'json',
      auth: { type: 'hmac', preset: 'github', secret: 'github-webhook' },
    });
  });

  it('checks orders with the documented schema', () => {
    const schema = example.streams.orders?.schema;
    if (!schema) throw new Error('orders has no schema');
    const order = {
      order_id: 'o-1',
      customer_id: 'c-1',
      amount: 12.5,
      currency: 'EUR',
      placed_at: '2026-11-24T05:00:00Z',
      items: [{ sku: 'sku-1', qty: 2 }],
    };
    expect(v.safeParse(schema, order).success).toBe(true);
    expect(v.safeParse(schema, { ...order, currency: 'eur' }).success).toBe(false);
    expect(v.safeParse(schema, { ...order, amount: 0 }).success).toBe(false);
    expect(v.safeParse(schema, { ...order, amount: Number.POSITIVE_INFINITY }).success).toBe(false);
    expect(v.safeParse(schema, { ...order, items: [{ sku: 'a', qty: 1.5 }] }).success).toBe(false);
    expect(v.safeParse(schema, { ...order, placed_at: 'yesterday' }).success).toBe(false);
  });
});

describe('the alarms of a tenant config', () => {
  it('default to no email and the default dead-letter threshold', () => {
    expect(defineTenant(valid).alarms).toEqual({ deadLetterRecordsPerFiveMinutes: DEFAULT_DEAD_LETTER_ALARM_RECORDS });
  });

  it('take an email and a threshold from 1 up', () => {
    const config = defineTenant({ ...valid, alarms: { email: 'ops@example.com', deadLetterRecordsPerFiveMinutes: 1 } });
    expect(config.alarms).toEqual({ email: 'ops@example.com', deadLetterRecordsPerFiveMinutes: 1 });
  });

  it('refuse an address that is not one, a threshold of 0 and an unknown key, naming the field', () => {
    expect(problemsOf({ ...valid, alarms: { email: 'ops' } }).join('\n')).toMatch(/alarms\.email must be an email/);
    expect(problemsOf({ ...valid, alarms: { deadLetterRecordsPerFiveMinutes: 0 } }).join('\n')).toMatch(
      /deadLetterRecordsPerFiveMinutes must be at least 1/,
    );
    expect(problemsOf({ ...valid, alarms: { mail: 'ops@example.com' } }).join('\n')).toMatch(/mail/);
  });
});
