/**
 * Turns every `DeletionPolicy: Retain` of a stack into `RetainExceptOnCreate`. A plain Retain
 * also keeps what a failed first deploy created: the rollback leaves its log groups (some with
 * fixed names), keys, buckets and tables behind, and the retry fails with "already exists".
 * With RetainExceptOnCreate, CloudFormation deletes them when the stack's creation rolls back
 * and keeps them on every later delete. An aspect, so that CDK's own defaults (log groups,
 * keys, secrets) are covered as well as ours.
 */
import { CfnDeletionPolicy, CfnResource, type IAspect } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** The aspect: add it to a stack with `Aspects.of(stack).add(new RetainExceptOnCreate())`. */
export class RetainExceptOnCreate implements IAspect {
  /** Rewrites one resource's Retain deletion policy. */
  visit(node: IConstruct): void {
    if (node instanceof CfnResource && node.cfnOptions.deletionPolicy === CfnDeletionPolicy.RETAIN) {
      node.cfnOptions.deletionPolicy = CfnDeletionPolicy.RETAIN_EXCEPT_ON_CREATE;
    }
  }
}
