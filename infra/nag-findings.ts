/**
 * cdk-nag acknowledgements of single findings. AwsSolutions-IAM5 reports each wildcard as
 * its own finding (`AwsSolutions-IAM5[Resource::<Bucket.Arn>/streams/x/*]`), and only that
 * exact id silences it, so a later, wider wildcard still fails synthesis.
 */
import { type CfnElement, Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** How cdk-nag writes `Fn::GetAtt` of a resource in a finding: `<LogicalId.Attr>`. */
export function nagAttributeRef(resource: CfnElement, attribute: string): string {
  const stack = Stack.of(resource);
  return `<${stack.resolve(stack.getLogicalId(resource))}.${attribute}>`;
}

/** Acknowledges exactly these wildcard resources of IAM5 on `scope`, with one reason. */
export function acknowledgeWildcardResources(scope: IConstruct, resources: readonly string[], reason: string): void {
  for (const resource of resources) {
    Validations.of(scope).acknowledge({ id: `AwsSolutions-IAM5[Resource::${resource}]`, reason });
  }
}
