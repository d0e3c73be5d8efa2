import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { devBanner } from '#cli/dev/dev-command';
import type { DevServer } from '#local/dev-server';
import { writeLocalSecret } from '#local/pull/local-secrets';
import { defineTenant, type TenantConfig } from '#shared/config/tenant-config';
import { loadTenant } from '#shared/config/tenant-loader';

function bannerOf(
  tenant: TenantConfig,
  dataRoot = '.sluice/acme',
  env: NodeJS.ProcessEnv = {},
  scheduled = true,
): Promise<string> {
  const server = {
    tenant,
    url: 'http://127.0.0.1:4000',
    sampleApiUrl: 'http://127.0.0.1:4000/sample-api/v1/events',
    s3: { endpoint: 'http://127.0.0.1:4569', bucket: 'sluice-local' },
    createToken: async () => 'header.payload.signature',
  } as unknown as DevServer;
  return devBanner(server, dataRoot, env, scheduled);
}

describe('the sluice dev banner', () => {
  it('prints a curl line for the first stream a built-in sample fits', async () => {
    const tenant = defineTenant({ tenant: 'acme', auth: { issuer: 'self' }, streams: { clicks: { payload: 'json' } } });
    const banner = await bannerOf(tenant);
    expect(banner).toMatch(/^ {2}curl -i -X POST http:\/\/127\.0\.0\.1:4000\/stream\/v0\/data\/clicks /m);
    expect(banner).toContain('  npx sluice batches cat clicks --tenant acme\n');
  });

  it('lists each source with its schedule, or, with --no-schedules, how to run it by hand', async () => {
    const tenant = (await loadTenant('tenants/example.ts')).config;
    expect(await bannerOf(tenant)).toMatch(/^ {2}sources {2}sample {7}rate\(1 minute\) +→ events$/m);
    const unscheduled = await bannerOf(tenant, '.sluice/example', {}, false);
    expect(unscheduled).toMatch(/^ {2}sources {2}sample {7}not scheduled \(npx sluice pull sample\) → events$/m);
    expect(unscheduled).not.toContain('rate(1 minute)');
  });

  it('names the docs page and the OpenAPI document under the URL', async () => {
    const tenant = defineTenant({ tenant: 'acme', auth: { issuer: 'self' }, streams: { clicks: { payload: 'json' } } });
    const banner = await bannerOf(tenant);
    expect(banner).toContain('  URL      http://127.0.0.1:4000\n  docs     http://127.0.0.1:4000/docs  (API reference');
    expect(banner).toContain('OpenAPI document at /openapi.json');
  });

  it('says how to watch the server: sluice status and its /metrics page', async () => {
    const tenant = defineTenant({ tenant: 'acme', auth: { issuer: 'self' }, streams: { clicks: { payload: 'json' } } });
    const banner = await bannerOf(tenant);
    expect(banner).toMatch(
      /^ {2}npx sluice status --tenant acme +\(.*http:\/\/127\.0\.0\.1:4000\/metrics for Prometheus\)$/m,
    );
  });

  it("builds the curl line's body from the stream's own schema, and the body passes that schema", async () => {
    const Reading = v.strictObject({
      sensor: v.pipe(v.string(), v.minLength(3)),
      reading: v.pipe(v.number(), v.integer(), v.minValue(10)),
      unit: v.picklist(['celsius', 'kelvin']),
      at: v.pipe(v.string(), v.isoTimestamp()),
      contact: v.pipe(v.string(), v.email()),
      tags: v.array(v.string()),
      note: v.optional(v.string()),
    });
    const tenant = defineTenant({
      tenant: 'acme',
      auth: { issuer: 'self' },
      streams: { readings: { payload: 'json', schema: Reading } },
    });
    const banner = await bannerOf(tenant);
    const body = banner.match(/^ {2}curl .*\/data\/readings .* --data-binary '(.*)'$/m)?.[1];
    expect(body).toBeDefined();
    const record = JSON.parse(body ?? '');
    expect(v.safeParse(Reading, record).success).toBe(true);
    expect(record).toMatchObject({ reading: 10, unit: 'celsius' });
    expect(record).not.toHaveProperty('order_id');
  });

  it('posts a plain event, not an order, to a stream without a schema', async () => {
    const tenant = defineTenant({ tenant: 'acme', auth: { issuer: 'self' }, streams: { clicks: { payload: 'json' } } });
    const banner = await bannerOf(tenant);
    expect(banner).toContain('"event":"signup"');
    expect(banner).not.toContain('order_id');
  });

  it("says how to post one's own record when no sample fits any stream's schema", async () => {
    // A pattern cannot be satisfied from the JSON Schema, and no built-in sample has these keys.
    const Strict = v.strictObject({ sensor: v.pipe(v.string(), v.regex(/^S-\d{4}$/)), reading: v.number() });
    const tenant = defineTenant({
      tenant: 'acme',
      auth: { issuer: 'self' },
      streams: { readings: { payload: 'json', schema: Strict } },
    });
    const banner = await bannerOf(tenant);
    expect(banner).not.toContain('curl ');
    expect(banner).toContain('  npx sluice send readings --tenant acme record.json\n');
  });

  it("names the sample API, and the tenant's sources with their schedules and how to run one now", async () => {
    const tenant = (await loadTenant('test/unit/cli/fixtures/pull-tenant.ts')).config;
    const banner = await bannerOf(tenant);
    expect(banner).toContain('  sample API  http://127.0.0.1:4000/sample-api/v1/events');
    expect(banner).toMatch(/^ {2}sources {2}sample {7}rate\(1 day\) +→ events\n {11}slow /m);
    expect(banner).toContain('  npx sluice pull sample --tenant puller');
  });

  it("shows the example tenant's sample source every minute, and the origin it reaches the sample API by", async () => {
    const banner = await bannerOf((await loadTenant('example')).config);
    expect(banner).toMatch(/^ {2}sources {2}sample {7}rate\(1 minute\) +→ events$/m);
    expect(banner).toContain('sources reach it as http://sample-api.sluice.localhost');
    expect(banner).toContain('  npx sluice pull sample     (runs it now');
  });

  it('lists each webhook secret that is not set, with the command that sets it for this tenant', async () => {
    const tenant = defineTenant({
      tenant: 'acme',
      auth: { issuer: 'self' },
      streams: {
        clicks: { payload: 'json' },
        hooks: { payload: 'json', auth: { type: 'hmac', preset: 'github', secret: 'hooks-secret' } },
        shop: { payload: 'json', auth: { type: 'hmac', preset: 'shopify', secret: 'shop/secret' } },
      },
    });
    const home = await mkdtemp(join(tmpdir(), 'sluice-banner-'));
    try {
      const missing = await bannerOf(tenant, home);
      expect(missing).toContain(
        '  webhook  hooks: secret "hooks-secret" is not set, so its posts are refused; set it with\n' +
          '           printf %s "$SECRET" | npx sluice secret set hooks-secret --tenant acme   (or SLUICE_SECRET_HOOKS_SECRET in the environment)\n',
      );
      expect(missing).toContain('npx sluice secret set shop/secret --tenant acme   (or SLUICE_SECRET_SHOP_SECRET');
      // Set in the environment, or stored by `sluice secret set`: no longer listed.
      const fromEnv = await bannerOf(tenant, home, { SLUICE_SECRET_HOOKS_SECRET: 'x' });
      expect(fromEnv).not.toContain('"hooks-secret"');
      expect(fromEnv).toContain('"shop/secret" is not set');
      await writeLocalSecret({ root: home }, 'shop/secret', 'x');
      expect(await bannerOf(tenant, home, { SLUICE_SECRET_HOOKS_SECRET: 'x' })).not.toContain('webhook  ');
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});
