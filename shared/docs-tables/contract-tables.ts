/**
 * The Markdown tables that README.md and docs/contract.md print from the contract rows (and
 * the README's tenant example, read from tenants/example.ts), and the splicing of them between
 * `<!-- generated:<name> -->` markers. `shared/docs-tables/write-docs.ts` writes the files, and
 * a test compares them with what it would write.
 */

import { CONTRACT_STATUSES, type ContractStatus } from '../contract/contract.ts';
import { PROBLEM_TYPES, problemType } from '../contract/errors.ts';
import { PER_STREAM_OUTPUT_ROWS, STACK_OUTPUT_ROWS } from '../contract/stack-outputs.ts';
import { alarmTable, metricTable, runbookList } from './operations-tables.ts';
import { exampleTenantSnippet } from './tenant-snippet.ts';

/** A Markdown document whose generated sections `npm run docs` rewrites, relative to the repo root. */
export interface GeneratedDoc {
  readonly path: string;
  /** The content of each generated section, by marker name. */
  readonly sections: Readonly<Record<string, string>>;
}

/** The command that rewrites the generated sections, for messages that tell a reader what to run. */
export const DOCS_COMMAND = 'npm run docs';

const SOURCE_LABELS: Readonly<Record<ContractStatus['source'], string>> = {
  gateway: 'gateway',
  function: 'function',
  both: 'gateway / function',
};

function retryLabel(row: ContractStatus): string {
  if (row.status < 300) return '—';
  return row.retry ? 'yes' : 'no';
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** The short status table of the README: status, when, retry. */
export function statusTable(): string {
  return table(
    ['status', 'when', 'retry?'],
    CONTRACT_STATUSES.map((row) => [String(row.status), row.when, retryLabel(row)]),
  );
}

/** The status table of docs/contract.md, which also says who answers. */
export function statusTableWithSource(): string {
  return table(
    ['status', 'who', 'when', 'retry?'],
    CONTRACT_STATUSES.map((row) => [String(row.status), SOURCE_LABELS[row.source], row.when, retryLabel(row)]),
  );
}

/** The problem types of the function's `application/problem+json` answers. */
export function problemTypesTable(): string {
  return table(
    ['type', 'status', 'title'],
    PROBLEM_TYPES.map((row) => [`\`${problemType(row.slug)}\``, String(row.status), row.title]),
  );
}

/** The documents `npm run docs` writes, and what goes in each marked section. */
export const GENERATED_DOCS: readonly GeneratedDoc[] = [
  { path: 'README.md', sections: { 'status-table': statusTable(), 'tenant-example': exampleTenantSnippet() } },
  {
    path: 'docs/contract.md',
    sections: { 'status-table': statusTableWithSource(), 'problem-types': problemTypesTable() },
  },
  { path: 'docs/deploy.md', sections: { 'stack-outputs': stackOutputsTable() } },
  {
    path: 'docs/operations.md',
    sections: { 'metric-table': metricTable(), 'alarm-table': alarmTable(), 'alarm-runbook': runbookList() },
  },
];

/** The outputs of a tenant stack: key and value, the stack-wide ones first. */
export function stackOutputsTable(): string {
  const rows: string[][] = Object.values(STACK_OUTPUT_ROWS).map((row) => [
    `\`${row.key}\``,
    'selfIssuerOnly' in row ? `${row.docs} (self issuer only)` : row.docs,
  ]);
  for (const row of PER_STREAM_OUTPUT_ROWS) rows.push([`\`${row.key}\``, row.docs]);
  return table(['output', 'value'], rows);
}

/** Thrown when a document lacks the markers of a section it should hold. */
export class MissingMarkersError extends Error {
  override readonly name = 'MissingMarkersError';
}

/**
 * The document with each named section replaced by its content. Markers stay, on lines of
 * their own, so that rewriting is idempotent; a missing or unpaired marker throws rather
 * than silently leaving a stale table.
 */
export function withGeneratedSections(text: string, sections: Readonly<Record<string, string>>): string {
  let out = text;
  for (const [name, content] of Object.entries(sections)) {
    const open = `<!-- generated:${name} -->`;
    const close = `<!-- /generated:${name} -->`;
    const start = out.indexOf(open);
    const end = out.indexOf(close);
    if (start < 0 || end < start || out.indexOf(open, start + 1) >= 0) {
      throw new MissingMarkersError(`expected one ${open} … ${close} pair`);
    }
    out = `${out.slice(0, start + open.length)}\n${content}\n${out.slice(end)}`;
  }
  return out;
}
