/**
 * The analyst side of a tenant on AWS: a Glue database with one table per JSON stream and one
 * over the dead letters, an Athena workgroup whose results land encrypted in the landing
 * bucket's own `athena-results/` prefix, a named query per table with the example SQL of
 * shared/analytics/analyst-tables.ts, and a managed policy that lets an analyst role query, nothing more.
 *
 * L1 resources (`CfnDatabase`, `CfnTable`, `CfnWorkGroup`): the Glue L2 constructs live in the
 * abandoned alpha package, and partition projection is table parameters either way.
 *
 * The latest-version views of pulled streams are named queries to run once, not Glue tables:
 * an Athena view in Glue is a `VIRTUAL_VIEW` whose text is a base64 Presto view with every
 * column's Presto type, which CloudFormation cannot derive and Athena rewrites on first use.
 */
import { type CfnElement, Stack } from 'aws-cdk-lib';
import * as athena from 'aws-cdk-lib/aws-athena';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import {
  DEAD_LETTERS_TABLE,
  exampleQuery,
  glueDatabaseName,
  latestViewName,
  latestViewSql,
  tableColumns,
  tableName,
} from '#shared/analytics/analyst-tables';
import type { StreamConfig } from '#shared/config/tenant-config';
import { ATHENA_RESULTS_PREFIX, BUCKET_PREFIXES } from '#shared/contract/storage-layout';
import { acknowledgeWildcardResources, nagAttributeRef } from '../nag-findings.ts';
import { deadLettersTableInput, streamTableInput } from './analyst-tables-defaults.ts';

/** Props of {@link AnalystTables}. */
export interface AnalystTablesProps {
  readonly tenant: string;
  readonly streams: readonly StreamConfig[];
  /** Stream ids a pull source lands in: their records carry `_sluice`. */
  readonly pulledStreams: ReadonlySet<string>;
  readonly bucket: s3.Bucket;
  readonly dataKey: kms.IKey;
  /** Athena's `BytesScannedCutoffPerQuery`, in MiB. */
  readonly bytesScannedCutoffMb: number;
}

/** Glue database, tables, Athena workgroup, named queries and the analyst policy of one tenant. */
export class AnalystTables extends Construct {
  /** The tenant's Glue database. */
  public readonly database: glue.CfnDatabase;
  /** The Glue tables by table name. */
  public readonly tables: Readonly<Record<string, glue.CfnTable>>;
  /** The Athena workgroup. */
  public readonly workGroup: athena.CfnWorkGroup;
  /** Attach to an analyst's role: query this tenant's tables through the workgroup, read-only. */
  public readonly queryPolicy: iam.ManagedPolicy;
  /** The database name. */
  public readonly databaseName: string;
  /** The workgroup name. */
  public readonly workGroupName: string;

  constructor(scope: Construct, id: string, props: AnalystTablesProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.databaseName = glueDatabaseName(props.tenant);
    this.workGroupName = `sluice-${props.tenant}`;

    this.database = new glue.CfnDatabase(this, 'Database', {
      catalogId: stack.account,
      databaseInput: { name: this.databaseName, description: `Sluice ${props.tenant}: landed streams` },
    });

    // CBOR has no Athena reader: an XML stream gets a table only over its JSON projection
    // (docs/analysts.md says how to read the CBOR otherwise).
    const tableStreams = props.streams.filter((stream) => stream.payload === 'json' || stream.projection === 'json');
    const inputs = [
      ...tableStreams.map((stream) =>
        streamTableInput(props.bucket.bucketName, tableName(stream.id), stream, props.pulledStreams.has(stream.id)),
      ),
      deadLettersTableInput(
        props.bucket.bucketName,
        DEAD_LETTERS_TABLE,
        props.streams.map((stream) => stream.id),
      ),
    ];
    const tables: Record<string, glue.CfnTable> = {};
    for (const tableInput of inputs) {
      const name = tableInput.name as string;
      const table = new glue.CfnTable(this, `Table-${name}`, {
        catalogId: stack.account,
        databaseName: this.databaseName,
        tableInput,
      });
      table.addResourceDependency(this.database);
      tables[name] = table;
    }
    this.tables = tables;

    this.workGroup = new athena.CfnWorkGroup(this, 'WorkGroup', {
      name: this.workGroupName,
      description: `Sluice ${props.tenant}: queries over the landed streams`,
      state: 'ENABLED',
      // Deleting the stack must not fail on past query history.
      recursiveDeleteOption: true,
      workGroupConfiguration: {
        enforceWorkGroupConfiguration: true,
        publishCloudWatchMetricsEnabled: true,
        bytesScannedCutoffPerQuery: props.bytesScannedCutoffMb * 1024 * 1024,
        engineVersion: { selectedEngineVersion: 'Athena engine version 3' },
        resultConfiguration: {
          outputLocation: `s3://${props.bucket.bucketName}/${ATHENA_RESULTS_PREFIX}`,
          encryptionConfiguration: { encryptionOption: 'SSE_KMS', kmsKey: props.dataKey.keyArn },
          expectedBucketOwner: stack.account,
        },
      },
    });

    for (const name of Object.keys(tables)) {
      const query = new athena.CfnNamedQuery(this, `Example-${name}`, {
        name: `${name}: example`,
        description: `Example query over ${name} (docs/analysts.md)`,
        database: this.databaseName,
        workGroup: this.workGroupName,
        queryString: exampleQuery(name),
      });
      query.addResourceDependency(this.workGroup);
    }
    for (const stream of tableStreams.filter((s) => props.pulledStreams.has(s.id))) {
      const view = latestViewName(stream.id);
      const query = new athena.CfnNamedQuery(this, `View-${view}`, {
        name: `${view}: create the view (run once)`,
        description: `Creates ${view}, the latest version of each pulled record of ${stream.id}`,
        database: this.databaseName,
        workGroup: this.workGroupName,
        queryString: `CREATE OR REPLACE VIEW ${view} AS\n${latestViewSql(stream.id, tableColumns(stream, { pulled: true }))}`,
      });
      query.addResourceDependency(this.workGroup);
    }

    this.queryPolicy = this.createQueryPolicy(props);
  }

  private createQueryPolicy(props: AnalystTablesProps): iam.ManagedPolicy {
    const stack = Stack.of(this);
    const catalog = stack.formatArn({ service: 'glue', resource: 'catalog' });
    const database = stack.formatArn({ service: 'glue', resource: 'database', resourceName: this.databaseName });
    const tables = stack.formatArn({ service: 'glue', resource: 'table', resourceName: `${this.databaseName}/*` });
    const views = stack.formatArn({
      service: 'glue',
      resource: 'table',
      resourceName: `${this.databaseName}/${latestViewName('*')}`,
    });
    const workGroup = stack.formatArn({ service: 'athena', resource: 'workgroup', resourceName: this.workGroupName });
    const readPrefixes = [BUCKET_PREFIXES.streams, BUCKET_PREFIXES.deadLetter, ATHENA_RESULTS_PREFIX];
    const policy = new iam.ManagedPolicy(this, 'QueryPolicy', {
      description: `Sluice ${props.tenant}: query the analyst tables through workgroup ${this.workGroupName}`,
      statements: [
        new iam.PolicyStatement({
          sid: 'RunQueriesInTheWorkGroup',
          actions: [
            'athena:StartQueryExecution',
            'athena:StopQueryExecution',
            'athena:GetQueryExecution',
            'athena:GetQueryResults',
            'athena:ListQueryExecutions',
            'athena:GetWorkGroup',
            'athena:ListNamedQueries',
            'athena:GetNamedQuery',
            'athena:BatchGetNamedQuery',
          ],
          resources: [workGroup],
        }),
        new iam.PolicyStatement({
          sid: 'ReadTheCatalog',
          actions: ['glue:GetDatabase', 'glue:GetTable', 'glue:GetTables', 'glue:GetPartitions'],
          resources: [catalog, database, tables],
        }),
        new iam.PolicyStatement({
          sid: 'CreateTheViews',
          // Only for `CREATE OR REPLACE VIEW` of the named view queries: on every table,
          // UpdateTable would let an analyst rewrite the stack's own tables (their location,
          // SerDe or projection) out from under CloudFormation.
          actions: ['glue:CreateTable', 'glue:UpdateTable'],
          resources: [catalog, database, views],
        }),
        new iam.PolicyStatement({
          sid: 'LocateTheBucket',
          // Athena checks the results bucket's Region with GetBucketLocation, which carries no
          // s3:prefix: under the prefix condition below it was denied and every query failed.
          actions: ['s3:GetBucketLocation'],
          resources: [props.bucket.bucketArn],
        }),
        new iam.PolicyStatement({
          sid: 'ListTheLandedPrefixes',
          actions: ['s3:ListBucket'],
          resources: [props.bucket.bucketArn],
          conditions: { StringLike: { 's3:prefix': readPrefixes.map((prefix) => `${prefix}*`) } },
        }),
        new iam.PolicyStatement({
          sid: 'ReadTheLandedObjects',
          actions: ['s3:GetObject'],
          resources: readPrefixes.map((prefix) => props.bucket.arnForObjects(`${prefix}*`)),
        }),
        new iam.PolicyStatement({
          sid: 'WriteQueryResults',
          actions: ['s3:PutObject', 's3:AbortMultipartUpload'],
          resources: [props.bucket.arnForObjects(`${ATHENA_RESULTS_PREFIX}*`)],
        }),
        new iam.PolicyStatement({
          sid: 'DecryptAndEncryptWithTheDataKey',
          actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
          resources: [props.dataKey.keyArn],
          // Only as S3 uses the key for the objects above, never to decrypt something directly.
          conditions: { StringEquals: { 'kms:ViaService': `s3.${stack.region}.amazonaws.com` } },
        }),
      ],
    });
    const bucketArn = nagAttributeRef(props.bucket.node.defaultChild as CfnElement, 'Arn');
    acknowledgeWildcardResources(
      policy,
      readPrefixes.map((prefix) => `${bucketArn}/${prefix}*`),
      'Analysts read every landed object of the streams and dead letters (and their own results): the tables span the whole prefix.',
    );
    acknowledgeWildcardResources(
      policy,
      [`arn:<AWS::Partition>:glue:<AWS::Region>:<AWS::AccountId>:table/${this.databaseName}/*`],
      "The tables of this tenant's database only, including the views an analyst creates from the named view queries.",
    );
    acknowledgeWildcardResources(
      policy,
      [`arn:<AWS::Partition>:glue:<AWS::Region>:<AWS::AccountId>:table/${this.databaseName}/${latestViewName('*')}`],
      'The views of the named view queries, by their name pattern: an analyst creates them with CREATE OR REPLACE VIEW.',
    );
    return policy;
  }
}
