import { describe, expect, it } from 'vitest';
import { defineTenant, TenantConfigError, type TenantConfigInput } from '#shared/config/tenant-config';
import { isWebhookStream, webhookSecretNames } from '#shared/config/webhook-config';
import { hmacScheme } from '#shared/config/webhook-schemes';

function withAuth(auth: unknown): TenantConfigInput {
  return {
    tenant: 'acme',
    auth: { issuer: 'self' },
    streams: { hooks: { payload: 'json', auth } as never, clicks: { payload: 'json' } },
  };
}

function problemsOf(input: TenantConfigInput): string[] {
  try {
    defineTenant(input);
  } catch (error) {
    if (error instanceof TenantConfigError) return [...error.problems];
    throw error;
  }
  throw new Error('expected the config to be refused');
}

describe('a stream auth', () => {
  it('takes a preset with a secret name and resolves what it signs', () => {
    const config = defineTenant(withAuth({ type: 'hmac', preset: 'github', secret: 'github-webhook' }));
    const stream = config.streams.hooks;
    expect(stream && isWebhookStream(stream)).toBe(true);
    expect(config.streams.clicks && isWebhookStream(config.streams.clicks)).toBe(false);
    expect(stream?.auth && hmacScheme(stream.auth)).toEqual({
      header: 'X-Hub-Signature-256',
      algorithm: 'sha256',
      encoding: 'hex',
      prefix: 'sha256=',
      signs: 'body',
    });
    expect(webhookSecretNames(config.streams)).toEqual(['github-webhook']);
  });

  it('gives timestamped presets a five-minute tolerance unless the config sets one', () => {
    const stripe = defineTenant(withAuth({ type: 'hmac', preset: 'stripe', secret: 's' })).streams.hooks?.auth;
    expect(stripe && hmacScheme(stripe).timestamp).toEqual({ in: 'stripe-signature', toleranceSeconds: 300 });
    const slack = defineTenant(withAuth({ type: 'hmac', preset: 'slack', secret: 's', toleranceSeconds: 86_400 }))
      .streams.hooks?.auth;
    expect(slack && hmacScheme(slack).timestamp).toEqual({
      in: 'header',
      header: 'X-Slack-Request-Timestamp',
      toleranceSeconds: 86_400,
    });
  });

  it('takes a custom scheme, signing "<timestamp>.<body>" when it has a timestamp header', () => {
    const auth = defineTenant(
      withAuth({
        type: 'hmac',
        secret: 'partner',
        header: 'X-Partner-Signature',
        algorithm: 'sha1',
        encoding: 'base64',
        timestampHeader: 'X-Partner-Time',
      }),
    ).streams.hooks?.auth;
    expect(auth && hmacScheme(auth)).toEqual({
      header: 'X-Partner-Signature',
      algorithm: 'sha1',
      encoding: 'base64',
      prefix: '',
      signs: 'timestamp.body',
      timestamp: { in: 'header', header: 'X-Partner-Time', toleranceSeconds: 300 },
    });
  });

  it.each([
    [
      { type: 'hmac', secret: 's' },
      'streams.hooks.auth: auth needs a preset (github, stripe, shopify, slack) or a custom scheme (header, algorithm, encoding)',
    ],
    [
      { type: 'hmac', preset: 'gitlab', secret: 's' },
      'streams.hooks.auth.preset: preset must be github, stripe, shopify, slack',
    ],
    [
      { type: 'jwt', preset: 'github', secret: 's' },
      'streams.hooks.auth.type: auth.type must be "hmac" (a stream without auth takes bearer JWTs)',
    ],
    [{ type: 'hmac', preset: 'github' }, 'streams.hooks.auth.secret: secret is required'],
    [
      { type: 'hmac', preset: 'github', secret: 'not a name!' },
      'streams.hooks.auth.secret: secret must be a secret name (letters, digits and /_+=.@-), not a value',
    ],
    [
      { type: 'hmac', preset: 'github', secret: 's', header: 'X-Sig' },
      'streams.hooks.auth: auth.preset github fixes the scheme; drop header',
    ],
    [
      { type: 'hmac', preset: 'github', secret: 's', toleranceSeconds: 60 },
      'streams.hooks.auth.toleranceSeconds: toleranceSeconds is only for timestamped schemes (stripe, slack, or a custom scheme with timestampHeader)',
    ],
    [
      { type: 'hmac', preset: 'slack', secret: 's', toleranceSeconds: 86_401 },
      'streams.hooks.auth.toleranceSeconds: toleranceSeconds must be at most 86400 (a day)',
    ],
    [
      { type: 'hmac', preset: 'slack', secret: 's', toleranceSeconds: 0 },
      'streams.hooks.auth.toleranceSeconds: toleranceSeconds must be at least 1',
    ],
    [
      { type: 'hmac', secret: 's', header: 'X-Sig', encoding: 'hex' },
      'streams.hooks.auth.algorithm: a custom scheme needs algorithm ("sha256" or "sha1")',
    ],
    [
      { type: 'hmac', secret: 's', header: 'X-Sig', algorithm: 'md5', encoding: 'hex' },
      'streams.hooks.auth.algorithm: algorithm must be "sha256" or "sha1"',
    ],
    [
      { type: 'hmac', secret: 's', header: 'X Sig', algorithm: 'sha256', encoding: 'hex' },
      'streams.hooks.auth.header: header must be an HTTP header name, such as X-Signature',
    ],
    [
      { type: 'hmac', secret: 's', header: 'X-Sig', algorithm: 'sha256', encoding: 'hex', prefix: 'a b' },
      'streams.hooks.auth.prefix: prefix must be 1 to 32 printable ASCII characters without spaces',
    ],
    [
      { type: 'hmac', preset: 'github', secret: 's', sceret: 's' },
      'streams.hooks.auth.sceret: unknown key sceret; did you mean secret?',
    ],
  ])('refuses %j, naming the field', (auth, problem) => {
    expect(problemsOf(withAuth(auth))).toEqual([problem]);
  });
});
