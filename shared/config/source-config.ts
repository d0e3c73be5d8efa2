/**
 * A pull source of the tenant config: which API to call on which schedule, how to page
 * through it, how to authenticate, and which stream its records land in. The valibot schema
 * is the one definition; the types are inferred from it.
 */
import * as v from 'valibot';
import { parseSchedule } from './schedule-expression.ts';
import { strictEntries } from './strict-entries.ts';

/** Source names: they become schedule and Step Functions execution names, so a short, safe alphabet. */
export const SOURCE_NAME_PATTERN = /^[a-z][a-z0-9_-]{0,39}$/;

/** Secret names: Secrets Manager names locally mapped to `SLUICE_SECRET_<NAME>`. */
export const SECRET_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9/_+=.@-]{0,127}$/;

/** Pages a run follows at most before it stops and says so. */
export const DEFAULT_MAX_PAGES = 10_000;

/** Seconds one HTTP request may take before it counts as a timeout (and is retried). */
export const DEFAULT_REQUEST_TIMEOUT_SECONDS = 30;

/** Time budget of one run. */
export const DEFAULT_MAX_RUN_MINUTES = 60;

/**
 * Decoded bytes one page may have: a page is held whole while its records are split, and the
 * pull function's memory is sized from the largest limit of a tenant's sources.
 */
export const DEFAULT_MAX_PAGE_BYTES = 8 * 1024 * 1024;
/** The most a source may raise `maxPageBytes` to. */
export const MAX_PAGE_BYTES_LIMIT = 64 * 1024 * 1024;

/** Records one page may hold: more is a page the runner refuses, not one it splits. */
export const DEFAULT_MAX_RECORDS_PER_PAGE = 10_000;

function isScheduleExpression(expression: string): boolean {
  try {
    parseSchedule(expression);
    return true;
  } catch {
    return false;
  }
}

const positiveInteger = (what: string) =>
  v.pipe(v.number(`${what} must be a number`), v.integer(`${what} must be a whole number`), v.minValue(1));

const JsonPointer = v.pipe(
  v.string('a JSON pointer must be a string'),
  v.regex(/^(\/([^~]|~[01])*)*$/, 'must be an RFC 6901 JSON pointer ("" or "/a/b")'),
);

const SecretName = v.pipe(
  v.string('secret must be the name of a secret'),
  v.regex(SECRET_NAME_PATTERN, 'secret must be a secret name (letters, digits and /_+=.@-), not a value'),
);

const HttpUrl = v.pipe(
  v.string(),
  v.url('must be an absolute URL'),
  v.check((url) => /^https?:\/\//.test(url), 'must be an http or https URL'),
);

// An origin only (`https://host[:port]`), as `new URL(x).origin` writes it.
const Origin = v.pipe(
  v.string(),
  v.check((text) => {
    try {
      const url = new URL(text);
      return /^https?:$/.test(url.protocol) && url.origin === text;
    } catch {
      return false;
    }
  }, 'allowedOrigins lists origins such as https://api.example.com (scheme, host and port only, no path or trailing /)'),
);

const RequestSchema = strictEntries(
  {
    url: HttpUrl,
    /**
     * Origins besides the one of `url` that pagination links and redirects may lead to. The
     * source's credentials go only to these and to the origin of `url`; a link or redirect to
     * any other origin ends the run `failed`, and nothing is fetched from it.
     */
    allowedOrigins: v.optional(v.array(Origin), []),
    method: v.optional(v.picklist(['GET', 'POST'], 'method must be "GET" or "POST"'), 'GET'),
    query: v.optional(v.record(v.string(), v.string()), {}),
    headers: v.optional(v.record(v.string(), v.string()), {}),
    /** A JSON body for POST (GraphQL: `{ query, variables }`). */
    body: v.optional(v.unknown()),
    timeoutSeconds: v.optional(
      v.pipe(positiveInteger('timeoutSeconds'), v.maxValue(300)),
      DEFAULT_REQUEST_TIMEOUT_SECONDS,
    ),
  },
  'request',
);

const AuthSchema = v.variant(
  'type',
  [
    strictEntries({ type: v.literal('none') }, 'auth'),
    strictEntries({ type: v.literal('bearer'), secret: SecretName }, 'auth'),
    /** The secret holds `{"username","password"}`. */
    strictEntries({ type: v.literal('basic'), secret: SecretName }, 'auth'),
    strictEntries(
      {
        type: v.literal('api-key'),
        secret: SecretName,
        in: v.picklist(['header', 'query'], 'in must be "header" or "query"'),
        name: v.pipe(v.string(), v.nonEmpty('name must name the header or query parameter')),
      },
      'auth',
    ),
    /** The secret holds `{"client_id","client_secret"}`. */
    strictEntries(
      {
        type: v.literal('oauth2-client-credentials'),
        secret: SecretName,
        tokenUrl: HttpUrl,
        scope: v.optional(v.string()),
      },
      'auth',
    ),
  ],
  'auth.type must be none, bearer, basic, api-key or oauth2-client-credentials',
);

const PaginateSchema = v.variant(
  'type',
  [
    strictEntries({ type: v.literal('none') }, 'paginate'),
    /** RFC 8288 `Link: <…>; rel="next"`. */
    strictEntries({ type: v.literal('link-header') }, 'paginate'),
    /** An absolute or relative URL of the next page in the body. */
    strictEntries({ type: v.literal('next-url'), path: JsonPointer }, 'paginate'),
    /** A cursor in the body, sent back as query `param` or, for POST bodies, at `bodyPath`. */
    v.pipe(
      strictEntries(
        {
          type: v.literal('cursor'),
          path: JsonPointer,
          param: v.optional(v.pipe(v.string(), v.nonEmpty())),
          bodyPath: v.optional(JsonPointer),
          /** A boolean in the body that says whether another page exists (GraphQL `pageInfo.hasNextPage`). */
          hasMore: v.optional(JsonPointer),
        },
        'paginate',
      ),
      v.check(
        (paginate) => (paginate.param === undefined) !== (paginate.bodyPath === undefined),
        'a cursor is sent either as a query param or at a bodyPath: give exactly one',
      ),
    ),
    strictEntries(
      {
        type: v.literal('offset'),
        param: v.pipe(v.string(), v.nonEmpty()),
        limitParam: v.pipe(v.string(), v.nonEmpty()),
        limit: positiveInteger('limit'),
        /** The total number of records, where the API says it. */
        total: v.optional(JsonPointer),
      },
      'paginate',
    ),
    strictEntries(
      {
        type: v.literal('page'),
        param: v.pipe(v.string(), v.nonEmpty()),
        start: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0)), 1),
        sizeParam: v.optional(v.pipe(v.string(), v.nonEmpty())),
        size: v.optional(positiveInteger('size')),
        totalPages: v.optional(JsonPointer),
      },
      'paginate',
    ),
  ],
  'paginate.type must be none, link-header, next-url, cursor, offset or page',
);

const IncrementalSchema = strictEntries(
  {
    /** Pointer to the record's cursor value (an ISO 8601 time or a number). */
    cursor: JsonPointer,
    /** Query parameter that carries the lower bound. */
    param: v.pipe(v.string(), v.nonEmpty()),
    /** Lower bound of the first run. */
    initial: v.string(),
    /** Re-read this many seconds before the highest committed cursor (late updates). */
    lookbackSeconds: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0)), 0),
  },
  'incremental',
);

/** The valibot schema of one pull source. */
export const SourceSchema = strictEntries(
  {
    /** A JSON stream of this tenant; pulled records are delivered like posts. */
    stream: v.pipe(v.string('stream must name a JSON stream of this tenant'), v.nonEmpty()),
    schedule: v.pipe(
      v.string(),
      v.check(
        isScheduleExpression,
        'schedule must be EventBridge Scheduler syntax: rate(5 minutes) or cron(0 * * * ? *)',
      ),
    ),
    request: RequestSchema,
    auth: v.optional(AuthSchema, { type: 'none' }),
    /** Pointer to the records array in a page; '' when the page is the array. */
    records: v.optional(JsonPointer, ''),
    paginate: v.optional(PaginateSchema, { type: 'none' }),
    maxPages: v.optional(positiveInteger('maxPages'), DEFAULT_MAX_PAGES),
    /** Decoded bytes of one page at most (gzip counted inflated); a larger page ends the run `failed`. */
    maxPageBytes: v.optional(
      v.pipe(positiveInteger('maxPageBytes'), v.maxValue(MAX_PAGE_BYTES_LIMIT)),
      DEFAULT_MAX_PAGE_BYTES,
    ),
    /** Records of one page at most; a page with more ends the run `failed`, nothing of it delivered. */
    maxRecordsPerPage: v.optional(positiveInteger('maxRecordsPerPage'), DEFAULT_MAX_RECORDS_PER_PAGE),
    incremental: v.optional(IncrementalSchema),
    /** Pointer to the record's primary key; `_sluice.record_id` is derived from it. */
    id: v.optional(JsonPointer),
    /** A run that would go on (or wait for a rate limit) past this stops as `partial`; the next run continues. */
    maxRunMinutes: v.optional(v.pipe(positiveInteger('maxRunMinutes'), v.maxValue(24 * 60)), DEFAULT_MAX_RUN_MINUTES),
    rateLimit: v.optional(
      strictEntries(
        { perSecond: v.pipe(v.number(), v.gtValue(0, 'perSecond must be above 0'), v.maxValue(1_000)) },
        'rateLimit',
      ),
    ),
  },
  'a source',
);

/** A source as written in the tenant file. */
export type SourceConfigInput = v.InferInput<typeof SourceSchema>;
/** A source with its defaults applied. */
export type SourceConfig = v.InferOutput<typeof SourceSchema> & { readonly name: string };
/** One way of authenticating. */
export type SourceAuth = v.InferOutput<typeof AuthSchema>;
/** One way of paging. */
export type SourcePagination = v.InferOutput<typeof PaginateSchema>;

/** The secret names a source reads (the pull function may read only these). */
export function sourceSecretNames(source: Pick<SourceConfig, 'auth'>): string[] {
  return source.auth.type === 'none' ? [] : [source.auth.secret];
}
