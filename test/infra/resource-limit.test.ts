import * as v from 'valibot';
import { beforeAll, describe, expect, it } from 'vitest';
import { stackResources } from '#infra/resource-limit';
import { createTenantApp } from '#infra/tenant-app';
import { type SourceConfig, SourceSchema } from '#shared/config/source-config';
import { type LoadedTenant, loadTenant } from '#shared/config/tenant-loader';
import { CLOUDFORMATION_MAX_RESOURCES } from '#shared/contract/contract';

// Bundling is not what these tests look at: skipping it keeps each synthesis to seconds.
const NO_BUNDLING = { 'aws:cdk:bundling-stacks': [] };

let example: LoadedTenant;

beforeAll(async () => {
  example = await loadTenant('example');
});

/** The example tenant with `count` more pull sources landing in its `events` stream. */
function withSources(count: number): LoadedTenant {
  const sources: Record<string, SourceConfig> = { ...example.config.sources };
  for (let index = 0; index < count; index += 1) {
    const name = `feed${String(index).padStart(3, '0')}`;
    sources[name] = {
      ...v.parse(SourceSchema, {
        stream: 'events',
        schedule: 'rate(1 hour)',
        request: { url: `https://api.example.com/${name}` },
      }),
      name,
    };
  }
  return { ...example, config: { ...example.config, sources } };
}

const build = (tenant: LoadedTenant) => createTenantApp(tenant, { nag: false, appProps: { context: NO_BUNDLING } });

describe("CloudFormation's resource limit", () => {
  it('refuses at synth a tenant past 500 resources, naming the count and what to remove', () => {
    const { app, stack } = build(withSources(130));
    const count = stackResources(stack).length;
    expect(count).toBeGreaterThan(CLOUDFORMATION_MAX_RESOURCES);
    expect(() => app.synth()).toThrow(
      new RegExp(
        `stack Sluice-example has ${count} resources, over CloudFormation's 500 per stack by ${count - 500}: .*pull sources about \\d+ each\\. Remove \\d+ sources or \\d+ streams, or split the tenant`,
      ),
    );
  }, 240_000);

  it('synthesizes the example tenant, well under the limit', () => {
    const { app, stack } = build(example);
    expect(() => app.synth()).not.toThrow();
    expect(stackResources(stack).length).toBeLessThan(CLOUDFORMATION_MAX_RESOURCES);
  }, 240_000);
});
