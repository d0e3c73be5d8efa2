/** The part of dynalite (which ships no types) that local mode uses. */
declare module 'dynalite' {
  import type { Server } from 'node:http';

  interface DynaliteOptions {
    /** LevelDB folder; in memory without it. */
    path?: string;
    /** Milliseconds a table stays CREATING, DELETING or UPDATING (default 500). */
    createTableMs?: number;
    deleteTableMs?: number;
    updateTableMs?: number;
  }

  /** An HTTP server that speaks the DynamoDB API; `close` also closes its database. */
  export default function dynalite(options?: DynaliteOptions): Server;
}
