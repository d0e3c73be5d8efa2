/**
 * The running dev server's address, kept in `.sluice/dev-server.json` so that the CLI
 * (token, send, batches) finds it, and so that a second server on the same data refuses
 * to start.
 */
import { chmod, readFile, rm, writeFile } from 'node:fs/promises';
import * as v from 'valibot';
import { isProcessAlive } from './process-alive.ts';

const ServerStateSchema = v.object({
  pid: v.number(),
  url: v.string(),
  issuer: v.string(),
  tenant: v.string(),
  s3Endpoint: v.string(),
  bucket: v.string(),
  /** Key of the admin routes (admin-route.ts); the file is 0600 for that reason. */
  pullKey: v.optional(v.string()),
});

/** What a running dev server publishes about itself. */
export type ServerState = v.InferOutput<typeof ServerStateSchema>;

/** The state of a dev server that is still running on this data home, if any. */
export async function readServerState(file: string): Promise<ServerState | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = v.safeParse(ServerStateSchema, json);
  if (!parsed.success || !isProcessAlive(parsed.output.pid)) return undefined;
  return parsed.output;
}

/** Publishes the state of this process's server. */
export async function writeServerState(file: string, state: ServerState): Promise<void> {
  // 0600: the file holds the pull routes' key, for this user's CLI only.
  await writeFile(file, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  // The mode applies only when the file is created; one left by a killed server may be older.
  await chmod(file, 0o600);
}

/** Removes the state when the server stops (only if it is still this process's). */
export async function clearServerState(file: string, pid = process.pid): Promise<void> {
  const state = await readServerState(file);
  if (state?.pid === pid) await rm(file, { force: true });
}
