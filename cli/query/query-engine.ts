/**
 * DuckDB in-process over the landed batches' files, with the analysts' views defined
 * (cli/query/duckdb-views.ts). Values come back JSON-safe: 64-bit integers and decimals as exact
 * strings, never through a double.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import type { TenantConfig } from '#shared/config/tenant-config';
import { type PulledStreams, viewStatements } from './duckdb-views.ts';
import type { LandedFile } from './landed-files.ts';

/** A query's answer: its column names and types, and its rows in column order. */
export interface QueryResult {
  readonly columns: readonly string[];
  readonly types: readonly string[];
  readonly rows: readonly (readonly unknown[])[];
}

/** Raised for a statement DuckDB refuses (syntax, unknown table or column, a bad cast); the message is one line. */
export class QueryError extends Error {
  override readonly name = 'QueryError';
}

/** Longest message of a {@link QueryError}: enough to name the problem, bounded for a terminal. */
export const QUERY_ERROR_MAX_CHARS = 500;

function oneLine(message: string): string {
  const line = message.split('\n').find((part) => part.trim().length > 0) ?? message;
  return line.length > QUERY_ERROR_MAX_CHARS ? `${line.slice(0, QUERY_ERROR_MAX_CHARS - 1)}…` : line;
}

/** An open DuckDB database with the tenant's views. */
export interface QueryEngine {
  /** Runs SQL text; throws {@link QueryError} when DuckDB refuses it. */
  query(sql: string): Promise<QueryResult>;
  close(): void;
}

/** Opens an in-memory DuckDB with the tenant's views over the landed files. */
export async function openQueryEngine(
  tenant: TenantConfig,
  files: readonly LandedFile[],
  pulled: PulledStreams = new Set(),
): Promise<QueryEngine> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const close = () => {
    connection.closeSync();
    instance.closeSync();
  };
  try {
    for (const statement of viewStatements(tenant, files, pulled)) await connection.run(statement);
  } catch (error) {
    close();
    throw error;
  }
  return {
    async query(sql) {
      try {
        const reader = await connection.runAndReadAll(sql);
        return {
          columns: reader.columnNames(),
          types: reader.columnTypes().map(String),
          rows: reader.getRowsJson(),
        };
      } catch (error) {
        throw new QueryError(oneLine((error as Error).message));
      }
    },
    close,
  };
}
