/**
 * The Idempotency-Key table of one tenant: Powertools' idempotency records of the ingest
 * function, one item per tenant, stream and key, each deleted by DynamoDB's TTL after its
 * window. Every stream may take the header, so every tenant stack has the table.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { ENV } from '#shared/contract/environment';
import { IDEMPOTENCY_EXPIRY_ATTRIBUTE, IDEMPOTENCY_PARTITION_KEY } from '#shared/contract/idempotency-table';
import type { HouseFunction } from '../house-function.ts';

/**
 * What Powertools' DynamoDB persistence layer does to the table: a conditional put of the
 * in-progress record, a consistent read of an existing one, the update that stores the
 * answer, and the delete that releases the key of a retryable failure. No Query or Scan.
 */
export const IDEMPOTENCY_TABLE_ACTIONS = [
  'dynamodb:PutItem',
  'dynamodb:GetItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
] as const;

/** The Idempotency-Key table. */
export class IdempotencyTable extends Construct {
  public readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: IDEMPOTENCY_PARTITION_KEY, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: IDEMPOTENCY_EXPIRY_ATTRIBUTE,
      // The AWS managed key, as for the pull state: the items hold hashed keys, body digests
      // and the answers already sent to the client (receipts, bounded problem bodies), never a
      // token or a record; the landing data keeps its customer-managed key.
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // Each item matters for a day or so; nothing in it is worth keeping past the stack.
      removalPolicy: RemovalPolicy.DESTROY,
    });
  }

  /** Gives the function the table's name in ENV.idempotencyTable and exactly the actions it uses. */
  bindTo(fn: HouseFunction): void {
    fn.addEnvironment(ENV.idempotencyTable, this.table.tableName);
    this.table.grant(fn, ...IDEMPOTENCY_TABLE_ACTIONS);
  }
}
