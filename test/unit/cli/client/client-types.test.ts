import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { typeOfSchema } from '#cli/client/record-types';
import { runCli } from '#cli/main';
import { captureIo } from '../io-capture.ts';

const CLIENT_ENTRY = fileURLToPath(new URL('../../../../clients/typescript/src/index.ts', import.meta.url));
let directory: string;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'sluice-client-types-'));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

/** Type errors of a program made of the given files, as "file:line message". */
function typeErrors(files: readonly string[]): string[] {
  const program = ts.createProgram(files, {
    strict: true,
    noEmit: true,
    allowImportingTsExtensions: true,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    target: ts.ScriptTarget.ES2023,
    lib: ['lib.es2023.d.ts', 'lib.dom.d.ts'],
    types: [],
    skipLibCheck: true,
  });
  return ts.getPreEmitDiagnostics(program).map((diagnostic) => {
    const line =
      diagnostic.file && diagnostic.start !== undefined
        ? diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start).line + 1
        : 0;
    return `${diagnostic.file?.fileName ?? ''}:${line} ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`;
  });
}

describe('sluice client types', () => {
  it('writes types under which send() takes each stream’s records and refuses others', async () => {
    const out = join(directory, 'example-streams.ts');
    const captured = captureIo();
    expect(await runCli(['client', 'types', '--tenant', 'example', '--out', out], captured.io)).toBe(0);
    const usage = join(directory, 'usage.ts');
    await writeFile(
      usage,
      [
        `import { SluiceClient } from ${JSON.stringify(CLIENT_ENTRY)};`,
        "import { type Streams, streams } from './example-streams.ts';",
        "const client = new SluiceClient<Streams>({ url: 'http://127.0.0.1:1', token: 't', streams });",
        "void client.send('orders', { order_id: 'o-1', customer_id: 'c', amount: 1, currency: 'EUR', placed_at: '2025-01-01T00:00:00Z' });",
        "void client.send('events', { anything: [1, 2] });",
        "void client.send('profiles', '<profile/>');",
        '// @ts-expect-error an order without its order_id',
        "void client.send('orders', { customer_id: 'c', amount: 1, currency: 'EUR', placed_at: 'x' });",
        '// @ts-expect-error amount is a number',
        "void client.send('orders', { order_id: 'o', customer_id: 'c', amount: '1', currency: 'EUR', placed_at: 'x' });",
        '// @ts-expect-error a stream the tenant does not have',
        "void client.send('nope', {});",
        '// @ts-expect-error webhook streams take signatures, not tokens',
        "void client.send('github', {});",
        '',
      ].join('\n'),
    );
    expect(typeErrors([usage])).toEqual([]);
  });

  it('answers a missing --tenant or action with the usage and exit code 2', async () => {
    const noTenant = captureIo();
    expect(await runCli(['client', 'types'], noTenant.io)).toBe(2);
    expect(noTenant.stderr()).toContain('missing: --tenant');
    const noAction = captureIo();
    expect(await runCli(['client', '--tenant', 'example'], noAction.io)).toBe(2);
    expect(noAction.stderr()).toContain('Usage: sluice client types');
  });

  it('writes a type TypeScript reads for any JSON Schema of the keywords valibot emits', () => {
    const leaf = fc.constantFrom<Record<string, unknown>>(
      { type: 'string' },
      { type: 'number' },
      { type: 'integer' },
      { type: 'boolean' },
      { type: 'null' },
      { enum: ['a', 'b"c'] },
      { const: 3 },
      {},
    );
    const schema = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: 'small' },
        leaf,
        fc.record({ type: fc.constant('array'), items: tie('node') }),
        fc.record({ anyOf: fc.array(tie('node'), { minLength: 1, maxLength: 3 }) }),
        fc.record({
          type: fc.constant('object'),
          properties: fc.dictionary(fc.string({ maxLength: 8 }), tie('node'), { maxKeys: 3 }),
          required: fc.array(fc.string({ maxLength: 8 }), { maxLength: 2 }),
        }),
      ),
    })).node;
    fc.assert(
      fc.property(schema, (generated) => {
        const source = `export type T = ${typeOfSchema(generated as never)};\n`;
        const parsed = ts.createSourceFile('t.ts', source, ts.ScriptTarget.ES2023);
        const diagnostics = (parsed as unknown as { parseDiagnostics: unknown[] }).parseDiagnostics;
        expect(diagnostics).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });
});
