/** Synthesizes one tenant's stack for a test file (once: bundling takes seconds) and runs cdk-nag on it. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type PolicyViolation, Stage } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { loadTenant } from '#infra/load-tenant';
import type { TenantStack } from '#infra/stacks/tenant-stack';
import { createTenantApp } from '#infra/tenant-app';

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

/**
 * The ingest function's delivery targets, parsed from its environment with every `Ref`
 * replaced by the referenced logical id (what the value will be once deployed: that resource's name).
 */
export function deliveryTargets(template: Template, tenant: string): unknown {
  const functions = template.findResources('AWS::Lambda::Function', {
    Properties: { Environment: { Variables: { SLUICE_TENANT: tenant, SLUICE_DELIVERY_TARGETS: Match.anyValue() } } },
  });
  const [ingest] = Object.values(functions) as {
    Properties: { Environment: { Variables: Record<string, unknown> } };
  }[];
  const value = ingest?.Properties.Environment.Variables.SLUICE_DELIVERY_TARGETS;
  const parts = (value as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1];
  return JSON.parse(parts.map((part) => (typeof part === 'string' ? part : (part as { Ref: string }).Ref)).join(''));
}

/** The bundled code of the tenant's ingest function, as the stack's asset holds it. */
export function ingestBundle(synth: SynthesizedTenant, tenant: string): string {
  const functions = synth.template.findResources('AWS::Lambda::Function', {
    Properties: { Environment: { Variables: { SLUICE_TENANT: tenant } } },
  }) as Record<string, { Properties: { Code: { S3Key: string } } }>;
  const [ingest] = Object.values(functions);
  const assetHash = ingest?.Properties.Code.S3Key.replace(/\.zip$/, '');
  const outdir = Stage.of(synth.stack)?.outdir ?? '';
  return readFileSync(join(outdir, `asset.${assetHash}`, 'index.mjs'), 'utf8');
}
