/**
 * The preflight's Region check: every service the tenant stack uses is offered in the Region
 * the deploy goes to. AWS publishes which Region offers which service as public SSM
 * parameters under `/aws/service/global-infrastructure`, readable from us-east-1 for any Region.
 * A service code missing from us-east-1 as well is one this list names wrongly, not a service
 * the Region lacks: that is reported as a skip, never as a failure.
 */
import { GetParametersByPathCommand, type SSMClient } from '@aws-sdk/client-ssm';
import type { CheckResult } from './verify-checks.ts';

/** The Region whose public parameters describe every Region (AWS answers the path there). */
export const GLOBAL_INFRASTRUCTURE_REGION = 'us-east-1';

/** The services a tenant stack uses, by their global-infrastructure code. */
export const STACK_SERVICES: readonly string[] = [
  'apigateway',
  'athena',
  'cloudformation',
  'cloudwatch',
  'dynamodb',
  'firehose',
  'glue',
  'kinesis',
  'kms',
  'lambda',
  'logs',
  'scheduler',
  'secretsmanager',
  'sns',
  'ssm',
  'stepfunctions',
];

/** The service codes the public parameters list for `region`. */
async function servicesIn(ssm: SSMClient, region: string): Promise<Set<string>> {
  const codes = new Set<string>();
  let nextToken: string | undefined;
  do {
    const page = await ssm.send(
      new GetParametersByPathCommand({
        Path: `/aws/service/global-infrastructure/regions/${region}/services`,
        ...(nextToken === undefined ? {} : { NextToken: nextToken }),
      }),
    );
    for (const parameter of page.Parameters ?? []) if (parameter.Value) codes.add(parameter.Value);
    nextToken = page.NextToken;
  } while (nextToken);
  return codes;
}

/** Every service of {@link STACK_SERVICES} is offered in `region`. */
export async function checkRegionServices(ssm: SSMClient, region: string | undefined): Promise<CheckResult> {
  const name = 'region';
  if (!region) return { name, outcome: 'fail', detail: 'no Region: set AWS_REGION (or a profile with one)' };
  try {
    const [offered, reference] = await Promise.all([
      servicesIn(ssm, region),
      servicesIn(ssm, GLOBAL_INFRASTRUCTURE_REGION),
    ]);
    if (offered.size === 0) return { name, outcome: 'fail', detail: `${region} is not a Region AWS lists` };
    const known = STACK_SERVICES.filter((code) => reference.has(code));
    const missing = known.filter((code) => !offered.has(code));
    if (missing.length > 0) {
      return {
        name,
        outcome: 'fail',
        detail: `${region} does not offer ${missing.join(', ')}, which the stack uses; deploy to another Region`,
      };
    }
    const unknown = STACK_SERVICES.filter((code) => !reference.has(code));
    return unknown.length === known.length
      ? { name, outcome: 'skip', detail: 'AWS lists none of the services by these codes' }
      : {
          name,
          outcome: 'pass',
          detail: `${region} offers all ${known.length} services the stack uses${unknown.length > 0 ? ` (not listed by AWS, unchecked: ${unknown.join(', ')})` : ''}`,
        };
  } catch (error) {
    return { name, outcome: 'fail', detail: `cannot read the Region's services: ${(error as Error).message}` };
  }
}
