/**
 * CloudFormation's limit of resources per stack, checked at synth: past it `cdk deploy` fails
 * only after the assets are published, with an error that names neither streams nor sources.
 * The check counts the L1 resources of the stack as synthesized and, for the message, how
 * many belong to each stream and pull source, so that the error says what to remove.
 */
import { CfnResource, type Stack } from 'aws-cdk-lib';
import type { IValidation } from 'constructs';
import type { TenantConfig } from '#shared/config/tenant-config';
import { CLOUDFORMATION_MAX_RESOURCES } from '#shared/contract/contract';

/** The CloudFormation resources of a stack (its L1 resources, CDK's metadata resource included once added). */
export function stackResources(stack: Stack): CfnResource[] {
  return stack.node.findAll().filter((construct): construct is CfnResource => CfnResource.isCfnResource(construct));
}

// A resource belongs to a stream or source whose name ends one of its path segments
// (`Stream-orders`, `Sluice-acme-PullFailed-crm`): how the tenant stack names their constructs.
function ownedBy(path: readonly string[], name: string): boolean {
  return path.some((segment) => segment === name || segment.endsWith(`-${name}`) || segment.includes(`-${name}-`));
}

function average(resources: readonly CfnResource[], names: readonly string[]): number {
  if (names.length === 0) return 0;
  const owned = resources.filter((resource) => {
    const path = resource.node.path.split('/');
    return names.some((name) => ownedBy(path, name));
  });
  return Math.round(owned.length / names.length);
}

/** The problem of a stack past {@link CLOUDFORMATION_MAX_RESOURCES}, naming the count and what to remove; none under it. */
export function resourceLimitProblems(stack: Stack, tenant: TenantConfig): string[] {
  const resources = stackResources(stack);
  if (resources.length <= CLOUDFORMATION_MAX_RESOURCES) return [];
  const streams = Object.keys(tenant.streams);
  const sources = Object.keys(tenant.sources);
  const perStream = average(resources, streams);
  const perSource = average(resources, sources);
  const over = resources.length - CLOUDFORMATION_MAX_RESOURCES;
  return [
    `stack ${stack.stackName} has ${resources.length} resources, over CloudFormation's ${CLOUDFORMATION_MAX_RESOURCES} per stack by ${over}: ` +
      `its ${streams.length} streams make about ${perStream} each and its ${sources.length} pull sources about ${perSource} each. ` +
      `Remove ${perSource > 0 ? `${Math.ceil(over / perSource)} sources or ` : ''}${perStream > 0 ? `${Math.ceil(over / perStream)} streams` : 'streams or sources'}, or split the tenant into two tenant files (docs/capacity.md).`,
  ];
}

/** The synth-time check of {@link resourceLimitProblems}, for `node.addValidation`. */
export function resourceLimitValidation(stack: Stack, tenant: TenantConfig): IValidation {
  return { validate: () => resourceLimitProblems(stack, tenant) };
}
