/** Synthesizes one tenant's stack for a test file (once: bundling takes seconds) and runs cdk-nag on it. */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type PolicyViolation, Stage } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { TenantStack } from '#infra/stacks/tenant-stack';
import { createTenantApp } from '#infra/tenant-app';
import { loadTenant } from '#shared/config/tenant-loader';
import { ENV } from '#shared/contract/environment';

/** A synthesized tenant stack, its template, and its unacknowledged AwsSolutions findings. */
export interface SynthesizedTenant {
  readonly stack: TenantStack;
  readonly template: Template;
  readonly nagViolations: readonly PolicyViolation[];
}

/** Loads the tenant like `cdk synth -c tenant=<nameOrPath>` does and synthesizes it into a temp dir. */
export async function synthTenant(nameOrPath: string): Promise<SynthesizedTenant> {
  const tenant = await loadTenant(nameOrPath);
  const outdir = mkdtempSync(join(tmpdir(), 'sluice-synth-'));
  const { stack } = createTenantApp(tenant, { nag: false, appProps: { outdir } });
  const template = Template.fromStack(stack);
  const nagViolations = new AwsSolutionsChecks().validateScope(stack).violations;
  return { stack, template, nagViolations };
}

type NamedResource = { Type?: string; Properties?: { DeliveryStreamName?: string; Name?: string } };

/** A name as long as CloudFormation generates for an unnamed table: `<stack>-<logical id>-<13 characters>`. */
const generatedTableName = (tenant: string, ref: string) => `Sluice-${tenant}-${ref}-ABCDEFGHIJKLM`;

/**
 * The ingest function's environment as deployed: every `Ref` replaced by the referenced
 * delivery stream's or Kinesis stream's name (what `Ref` returns for them).
 */
export function ingestEnvironment(template: Template, tenant: string): Record<string, string> {
  const functions = template.findResources('AWS::Lambda::Function', {
    Properties: { Environment: { Variables: { [ENV.tenant]: tenant, [ENV.deliveryTargets]: Match.anyValue() } } },
  });
  const [ingest] = Object.values(functions) as {
    Properties: { Environment: { Variables: Record<string, unknown> } };
  }[];
  const resources = template.toJSON().Resources as Record<string, NamedResource>;
  const nameOf = (ref: string): string => {
    if (resources[ref]?.Type === 'AWS::DynamoDB::Table') return generatedTableName(tenant, ref);
    const properties = resources[ref]?.Properties;
    const name = properties?.DeliveryStreamName ?? properties?.Name;
    if (name === undefined) throw new Error(`${ref} has no fixed name`);
    return name;
  };
  const resolve = (value: unknown): string => {
    if (typeof value === 'string') return value;
    const join = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
    if (join) return join[1].map(resolve).join(join[0]);
    return nameOf((value as { Ref: string }).Ref);
  };
  return Object.fromEntries(
    Object.entries(ingest?.Properties.Environment.Variables ?? {}).map(([key, value]) => [key, resolve(value)]),
  );
}

/** The ingest function's delivery targets, parsed from its environment as deployed. */
export function deliveryTargets(template: Template, tenant: string): unknown {
  return JSON.parse(ingestEnvironment(template, tenant)[ENV.deliveryTargets] ?? 'null');
}

/** The folder of a function's asset, as the synthesized stack holds it. */
function functionAssetDir(synth: SynthesizedTenant, tenant: string, kind: 'ingest' | 'pull'): string {
  const functions = synth.template.findResources('AWS::Lambda::Function', {
    Properties: { Environment: { Variables: { [ENV.tenant]: tenant } } },
  }) as Record<
    string,
    { Properties: { Code: { S3Key: string }; Environment: { Variables: Record<string, unknown> } } }
  >;
  // Both functions carry the tenant; only the pull function has a state table.
  const found = Object.values(functions).filter(
    (fn) => (fn.Properties.Environment.Variables[ENV.pullStateTable] !== undefined) === (kind === 'pull'),
  );
  if (found.length !== 1) throw new Error(`expected one ${kind} function of ${tenant}, found ${found.length}`);
  const assetHash = found[0]?.Properties.Code.S3Key.replace(/\.zip$/, '');
  const outdir = Stage.of(synth.stack)?.outdir ?? '';
  return join(outdir, `asset.${assetHash}`);
}

/** The bundled code of the tenant's ingest function. */
export function ingestBundle(synth: SynthesizedTenant, tenant: string): string {
  // The ingest function is split into index.mjs and chunks it loads on first use: all of it.
  const dir = functionAssetDir(synth, tenant, 'ingest');
  return bundleFiles(dir, '.mjs')
    .map((file) => readFileSync(join(dir, file), 'utf8'))
    .join('\n');
}

/**
 * The source files of what a cold start of the tenant's ingest function loads: index.mjs and
 * the chunks it imports statically, not those it loads with `import()` when first needed.
 */
export function ingestColdStartSources(synth: SynthesizedTenant, tenant: string): string[] {
  const dir = functionAssetDir(synth, tenant, 'ingest');
  const loaded = new Set<string>();
  const visit = (file: string) => {
    if (loaded.has(file)) return;
    loaded.add(file);
    const text = readFileSync(join(dir, file), 'utf8');
    // Static imports only: `from"./x.mjs"` or a bare `import"./x.mjs"`, never `import("./x.mjs")`.
    for (const [, imported] of text.matchAll(/(?:from|import)\s*"\.\/([^"]+\.mjs)"/g)) {
      if (imported) visit(join(file, '..', imported));
    }
  };
  visit('index.mjs');
  const sources = [...loaded].flatMap(
    (file) => (JSON.parse(readFileSync(join(dir, `${file}.map`), 'utf8')) as { sources: string[] }).sources,
  );
  return [...new Set(sources)];
}

/** The asset's files (chunks/ included) that end in the suffix, index.mjs first. */
function bundleFiles(assetDir: string, suffix: string): string[] {
  return (readdirSync(assetDir, { recursive: true }) as string[])
    .filter((file) => file.endsWith(suffix))
    .sort((a, b) => Number(b.startsWith('index')) - Number(a.startsWith('index')) || a.localeCompare(b));
}

/** The source files the tenant's ingest bundle was built from, as its source map lists them. */
export function ingestBundleSources(synth: SynthesizedTenant, tenant: string): string[] {
  return bundleSources(functionAssetDir(synth, tenant, 'ingest'));
}

/** Absolute path of the tenant's bundled pull function (its `index.mjs`). */
export function pullBundlePath(synth: SynthesizedTenant, tenant: string): string {
  return join(functionAssetDir(synth, tenant, 'pull'), 'index.mjs');
}

/** The source files the tenant's pull bundle was built from, as its source map lists them. */
export function pullBundleSources(synth: SynthesizedTenant, tenant: string): string[] {
  return bundleSources(functionAssetDir(synth, tenant, 'pull'));
}

function bundleSources(assetDir: string): string[] {
  const maps = bundleFiles(assetDir, '.mjs.map');
  const sources = maps.flatMap(
    (map) => (JSON.parse(readFileSync(join(assetDir, map), 'utf8')) as { sources: string[] }).sources,
  );
  return [...new Set(sources)];
}
