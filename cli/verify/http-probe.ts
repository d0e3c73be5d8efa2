/**
 * One HTTP request with a deadline and a cap on the body read, so that a check against a
 * deployed API can neither hang nor fill memory, whatever the other end does.
 */

/** What came back: a status and at most `maxBytes` of the body, or why nothing did. */
export type ProbeResult =
  | { readonly ok: true; readonly status: number; readonly body: string }
  | { readonly ok: false; readonly error: string };

/** Limits of one probe. */
export interface ProbeLimits {
  readonly timeoutMs: number;
  readonly maxBytes: number;
}

/** Default limits: 10 s for the whole exchange, 64 KiB of body (a JWKS of many keys fits). */
export const PROBE_LIMITS: ProbeLimits = { timeoutMs: 10_000, maxBytes: 64 * 1024 };

async function readCapped(response: Response, maxBytes: number): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (size < maxBytes) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
  }
  await reader.cancel().catch(() => undefined);
  return Buffer.concat(chunks).subarray(0, maxBytes).toString('utf8');
}

/** Sends the request; network errors, timeouts and unreadable bodies come back as `error`. */
export async function probe(url: string, init: RequestInit = {}, limits = PROBE_LIMITS): Promise<ProbeResult> {
  const signal = AbortSignal.timeout(limits.timeoutMs);
  try {
    // A Sluice API never redirects; following one would hide a wrong URL (and send the token on).
    const response = await fetch(url, { ...init, signal, redirect: 'manual' });
    return { ok: true, status: response.status, body: await readCapped(response, limits.maxBytes) };
  } catch (error) {
    if (signal.aborted) return { ok: false, error: `no answer within ${limits.timeoutMs / 1000} s` };
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return { ok: false, error: cause?.code ?? cause?.message ?? (error as Error).message };
  }
}

/** A body shortened to one line of at most `max` characters, for a check's detail. */
export function excerpt(body: string, max = 200): string {
  const line = body.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
