/**
 * How the CLI calls a running dev server's admin routes (local/admin-route.ts): with the key of
 * its state file, and with one wording for a server that cannot be reached or refuses.
 */
import type { ServerState } from '#local/server-state';

/** A running dev server that has the admin routes' key. */
export type KeyedServer = Pick<ServerState, 'url'> & { readonly pullKey: string };

/** The dev server's answer to `path`, sent with the key; `fail` builds the error thrown when it cannot be reached. */
export async function reachDevServer(
  server: KeyedServer,
  path: string,
  init: RequestInit,
  fail: (message: string) => Error,
): Promise<Response> {
  try {
    return await fetch(`${server.url}${path}`, {
      ...init,
      headers: { ...(init.headers as Record<string, string> | undefined), authorization: `Bearer ${server.pullKey}` },
    });
  } catch (error) {
    throw fail(`cannot reach the dev server at ${server.url}: ${(error as Error).message}`);
  }
}

/** What to tell the user of a refusal: the status and the route's JSON `message`. */
export async function refusalMessage(response: Response): Promise<string> {
  const message = ((await response.json().catch(() => ({}))) as { message?: string }).message;
  return `the dev server answered ${response.status}: ${message ?? 'no reason given'}`;
}
