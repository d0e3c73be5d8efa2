/**
 * The dev terminal's line per request: method, path, status, milliseconds and records
 * accepted. Never a token: the query string is left out, and anything shaped like a JWT in
 * the path (a client that put its token in the URL by mistake) is masked.
 */
import type { APIGatewayProxyResultV2 } from 'aws-lambda';

/** One request as the dev terminal shows it. */
export interface AccessLogEntry {
  readonly method: string;
  /** The path without the query string. */
  readonly path: string;
  /** The status answered, or undefined when the client closed the connection before the answer was sent. */
  readonly status: number | undefined;
  readonly milliseconds: number;
  readonly records: number;
}

const JWT_SHAPED = /eyJ[\w-]*\.[\w-]*\.[\w-]*/g;
// A bounded line without control characters, whatever the client sent as its path.
const PATH_LIMIT = 200;

/**
 * The line, e.g. `POST /stream/v0/data/orders 202 3 ms 1 record`, or `… closed by the client 3 ms`
 * when no answer reached the client (its records may still have been delivered).
 */
export function accessLogLine(entry: AccessLogEntry): string {
  const clean = entry.path.replace(JWT_SHAPED, '<token>').replace(/[^\x21-\x7e]/g, '?');
  const path = clean.length > PATH_LIMIT ? `${clean.slice(0, PATH_LIMIT)}…` : clean;
  const milliseconds = `${Math.round(entry.milliseconds)} ms`;
  if (entry.status === undefined) return `${entry.method} ${path} closed by the client ${milliseconds}`;
  const records = `${entry.records} record${entry.records === 1 ? '' : 's'}`;
  return `${entry.method} ${path} ${entry.status} ${milliseconds} ${records}`;
}

/** Records a handler accepted: `accepted` (batch posts) or `records` of a 2xx JSON body, else 0. */
export function acceptedRecords(result: APIGatewayProxyResultV2): number {
  if (typeof result !== 'object' || result === null || !('statusCode' in result)) return 0;
  if ((result.statusCode ?? 200) >= 300 || !result.body) return 0;
  try {
    const text = result.isBase64Encoded ? Buffer.from(result.body, 'base64').toString('utf8') : result.body;
    const body = JSON.parse(text) as { accepted?: unknown; records?: unknown };
    const count = body.accepted ?? body.records;
    return typeof count === 'number' ? count : 0;
  } catch {
    return 0;
  }
}
