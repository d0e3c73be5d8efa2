/**
 * The checks of `sluice verify`, one function each: what a deployed stack must answer for a
 * client to get a record into the bucket. Each returns a result instead of throwing, so that
 * one failure still lets the others run and report.
 */
import { createLocalJWKSet, type JSONWebKeySet, jwtVerify } from 'jose';
import { ingestPath, JWKS_PATH, OPENID_CONFIGURATION_PATH } from '#shared/contract/contract';
import type { SampleRequest } from '../dev/sample-request.ts';
import { excerpt, probe } from './http-probe.ts';

/** One line of the report. `skip` is for a check that could not be made and is not a failure. */
export interface CheckResult {
  readonly name: string;
  readonly outcome: 'pass' | 'fail' | 'skip';
  readonly detail: string;
}

const pass = (name: string, detail: string): CheckResult => ({ name, outcome: 'pass', detail });
const fail = (name: string, detail: string): CheckResult => ({ name, outcome: 'fail', detail });

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

/** The discovery document answers and names the authorizer's issuer; gives the JWKS URL to check next. */
export async function checkDiscovery(issuer: string): Promise<{ result: CheckResult; jwksUri: string }> {
  const name = 'discovery';
  const url = `${issuer}${OPENID_CONFIGURATION_PATH}`;
  const fallback = `${issuer}${JWKS_PATH}`;
  const answer = await probe(url);
  if (!answer.ok) return { result: fail(name, `GET ${url}: ${answer.error}`), jwksUri: fallback };
  if (answer.status !== 200) {
    return { result: fail(name, `GET ${url}: ${answer.status} ${excerpt(answer.body)}`), jwksUri: fallback };
  }
  const document = parseJson(answer.body) as { issuer?: unknown; jwks_uri?: unknown } | undefined;
  if (typeof document?.issuer !== 'string' || typeof document.jwks_uri !== 'string') {
    return {
      result: fail(name, `GET ${url}: not an OpenID configuration with issuer and jwks_uri`),
      jwksUri: fallback,
    };
  }
  if (document.issuer !== issuer) {
    return {
      result: fail(name, `issuer is ${excerpt(document.issuer)}, but the authorizer expects ${issuer} (TokenIssuer)`),
      jwksUri: document.jwks_uri,
    };
  }
  return { result: pass(name, `issuer ${issuer} matches TokenIssuer`), jwksUri: document.jwks_uri };
}

/** The JWKS answers and verifies a token the stack's key signed, with the authorizer's issuer and audience. */
export async function checkJwks(
  jwksUri: string,
  token: string,
  expected: { issuer: string; audience: string; kid: string },
): Promise<CheckResult> {
  const name = 'jwks';
  const answer = await probe(jwksUri);
  if (!answer.ok) return fail(name, `GET ${jwksUri}: ${answer.error}`);
  if (answer.status !== 200) return fail(name, `GET ${jwksUri}: ${answer.status} ${excerpt(answer.body)}`);
  const jwks = parseJson(answer.body) as JSONWebKeySet | undefined;
  if (!Array.isArray(jwks?.keys)) return fail(name, `GET ${jwksUri}: not a JWKS (no keys array)`);
  if (!jwks.keys.some((key) => key.kid === expected.kid)) {
    return fail(name, `${jwks.keys.length} key(s), none with the signing key's kid ${expected.kid}`);
  }
  try {
    await jwtVerify(token, createLocalJWKSet(jwks), { issuer: expected.issuer, audience: expected.audience });
  } catch (error) {
    return fail(
      name,
      `the signing key ${expected.kid} is published, but a token it signed fails: ${(error as Error).message}`,
    );
  }
  return pass(name, `${jwks.keys.length} key(s); the signing key ${expected.kid} verifies a fresh token`);
}

/** One sample record posted to its stream is answered 202. */
export async function postSample(apiUrl: string, token: string, sample: SampleRequest): Promise<CheckResult> {
  const name = `post ${sample.stream.id}`;
  const answer = await probe(`${apiUrl}${ingestPath(sample.stream.id)}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': sample.contentType },
    body: sample.body,
  });
  if (!answer.ok) return fail(name, answer.error);
  if (answer.status !== 202) return fail(name, `${answer.status} ${excerpt(answer.body)}`);
  const receipt = (parseJson(answer.body) as { receipt?: unknown } | undefined)?.receipt;
  return pass(name, typeof receipt === 'string' ? `202, receipt ${excerpt(receipt, 80)}` : '202');
}
