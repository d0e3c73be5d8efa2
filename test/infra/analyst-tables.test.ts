import { fileURLToPath } from 'node:url';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  HIVE_JSON_SERDE,
  LANDED_HOUR_DATE_FORMAT,
  LAZY_SIMPLE_SERDE,
  RAW_LINE_DELIMITER,
} from '#infra/constructs/analyst-tables-defaults';
import { EXAMPLE_QUERIES, exampleQuery, latestViewSql, SLUICE_COLUMN } from '#shared/analytics/analyst-tables';
import { STACK_OUTPUTS } from '#shared/contract/stack-outputs';
import { jsonProjectionPrefix, renderPrefix } from '#shared/contract/storage-layout';
import { deliveryTargets, type SynthesizedTenant, synthTenant } from './synth-tenant.ts';

const FULL_TENANT = fileURLToPath(new URL('./fixtures/full-tenant.ts', import.meta.url));

let example: SynthesizedTenant;
let fixture: SynthesizedTenant;

beforeAll(async () => {
  example = await synthTenant(FULL_TENANT);
  fixture = await synthTenant(fileURLToPath(new URL('./fixtures/analyst-tenant.ts', import.meta.url)));
  // Two syntheses bundle ten functions: minutes on a busy machine.
}, 480_000);

type TableInput = {
  Name: string;
  Parameters: Record<string, unknown>;
  PartitionKeys: { Name: string; Type: string }[];
  StorageDescriptor: {
    Columns: { Name: string; Type: string }[];
    Location: unknown;
    SerdeInfo: { SerializationLibrary: string; Parameters: Record<string, string> };
  };
};

const tablesOf = (template: Template): Record<string, TableInput> =>
  Object.fromEntries(
    Object.values(template.findResources('AWS::Glue::Table')).map((resource) => {
      const input = (resource as { Properties: { TableInput: TableInput } }).Properties.TableInput;
      return [input.Name, input];
    }),
  );

const table = (template: Template, name: string): TableInput => {
  const found = tablesOf(template)[name];
  if (!found) throw new Error(`no table ${name}`);
  return found;
};

/** Renders a Java date pattern's `yyyy`, `MM`, `dd`, `HH` and quoted literals, as Athena's date projection does. */
const javaDate = (pattern: string, at: Date): string =>
  pattern.replace(/'([^']*)'|yyyy|MM|dd|HH/g, (token, literal: string | undefined) => {
    if (literal !== undefined) return literal;
    const value = { yyyy: at.getUTCFullYear(), MM: at.getUTCMonth() + 1, dd: at.getUTCDate(), HH: at.getUTCHours() };
    return String(value[token as keyof typeof value]).padStart(token.length, '0');
  });

/**
 * How many partitions Athena projects for a query without a partition filter: the product of
 * each partition column's values (enum: its list; integer: its range; date: its steps to now).
 */
const projectedPartitions = (input: TableInput, now: number): number =>
  input.PartitionKeys.reduce((product, { Name }) => {
    const parameter = (name: string) => String(input.Parameters[`projection.${Name}.${name}`]);
    const type = parameter('type');
    if (type === 'enum') return product * parameter('values').split(',').length;
    const [low, high] = parameter('range').split(',');
    if (type === 'integer') return product * (Number(high) - Number(low) + 1);
    expect([type, parameter('interval'), parameter('interval.unit'), high]).toEqual(['date', '1', 'HOURS', 'NOW']);
    const [year, month, day, hour] = (low?.match(/\d+/g) ?? []).map(Number);
    const first = Date.UTC(year ?? 0, (month ?? 1) - 1, day ?? 1, hour ?? 0);
    expect(javaDate(parameter('format'), new Date(first))).toBe(low);
    return product * (Math.floor((now - first) / 3_600_000) + 1);
  }, 1);

/** A `${name}` placeholder of a storage location template. */
const placeholder = (name: string) => `\${${name}}`;

/** The path after the bucket of an `s3://<bucket>/<path>` Fn::Join, with its leading `/`. */
const renderedPath = (value: unknown): string => {
  const parts = (value as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1];
  return parts.filter((part): part is string => typeof part === 'string' && part !== 's3://').join('');
};

const bucketPath = (path: string) => ({
  'Fn::Join': ['', ['s3://', { Ref: Match.stringLikeRegexp('^LandingBucket') }, path]],
});

describe('the Glue database', () => {
  it('is named after the tenant with - as _', () => {
    fixture.template.hasResourceProperties('AWS::Glue::Database', {
      DatabaseInput: { Name: 'sluice_fixture_analyst' },
    });
    example.template.resourceCountIs('AWS::Glue::Database', 1);
  });
});

describe('a stream table', () => {
  it('has one table per JSON stream and projected XML stream plus dead_letters, and none for a plain XML stream', () => {
    expect(Object.keys(tablesOf(example.template)).sort()).toEqual(['dead_letters', 'events', 'github', 'orders']);
    expect(Object.keys(tablesOf(fixture.template)).sort()).toEqual([
      'clicks',
      'crm_deals',
      'dead_letters',
      'documents',
    ]);
  });

  it("reads the stream's folder with the Hive JSON SerDe and ISO timestamps", () => {
    const orders = table(example.template, 'orders');
    expect(orders.StorageDescriptor.SerdeInfo.SerializationLibrary).toBe(HIVE_JSON_SERDE);
    expect(orders.StorageDescriptor.SerdeInfo.Parameters['timestamp.formats']).toContain("yyyy-MM-dd'T'HH:mm:ss.SSSZZ");
    expect(JSON.stringify(example.template.toJSON())).not.toMatch(/openx/i);
    example.template.hasResourceProperties('AWS::Glue::Table', {
      TableInput: { Name: 'orders', StorageDescriptor: { Location: bucketPath('/streams/orders/') } },
    });
  });

  it("takes its columns from the stream's schema", () => {
    expect(table(example.template, 'orders').StorageDescriptor.Columns).toEqual([
      { Name: 'order_id', Type: 'string' },
      { Name: 'customer_id', Type: 'string' },
      { Name: 'amount', Type: 'double' },
      { Name: 'currency', Type: 'string' },
      { Name: 'placed_at', Type: 'string' },
      { Name: 'items', Type: 'array<struct<sku:string,qty:decimal(38,0)>>' },
    ]);
  });

  it("types as timestamp only what Sluice writes with toISOString, which the table's formats parse", () => {
    for (const template of [example.template, fixture.template]) {
      const typed = Object.values(tablesOf(template)).flatMap((input) =>
        input.StorageDescriptor.Columns.filter((column) => column.Type.includes('timestamp')).map(
          (column) => `${input.Name}.${column.Name}`,
        ),
      );
      expect(typed).toEqual(['dead_letters.received_at']);
    }
    const formats = table(example.template, 'dead_letters').StorageDescriptor.SerdeInfo.Parameters['timestamp.formats'];
    expect(formats?.split(',')).toContain("yyyy-MM-dd'T'HH:mm:ss.SSSZZ");
  });

  it('adds the _sluice struct to a stream a pull source lands in, and not to the others', () => {
    expect(table(fixture.template, 'crm_deals').StorageDescriptor.Columns).toEqual([
      { Name: 'id', Type: 'decimal(38,0)' },
      { Name: 'closed_at', Type: 'string' },
      { Name: SLUICE_COLUMN.name, Type: SLUICE_COLUMN.type },
    ]);
    expect(table(fixture.template, 'clicks').StorageDescriptor.Columns).toEqual([{ Name: 'record', Type: 'string' }]);
  });

  it('projects one landed_hour column as a date, hour by hour from 2024 up to now, onto the key layout', () => {
    const deals = table(fixture.template, 'crm_deals');
    expect(deals.PartitionKeys).toEqual([{ Name: 'landed_hour', Type: 'string' }]);
    expect(deals.Parameters).toMatchObject({
      'projection.enabled': 'true',
      'projection.landed_hour.type': 'date',
      'projection.landed_hour.format': "'year='yyyy'/month='MM'/day='dd'/hour='HH",
      'projection.landed_hour.range': 'year=2024/month=01/day=01/hour=00,NOW',
      'projection.landed_hour.interval': '1',
      'projection.landed_hour.interval.unit': 'HOURS',
    });
    // No integer projection is left: it offered every hour up to 2099 to each unfiltered query.
    expect(Object.keys(deals.Parameters).filter((key) => /^projection\.(year|month|day|hour)\./.test(key))).toEqual([]);
    fixture.template.hasResourceProperties('AWS::Glue::Table', {
      TableInput: {
        Name: 'crm_deals',
        Parameters: { 'storage.location.template': bucketPath(`/streams/crm-deals/\${landed_hour}/`) },
      },
    });
  });

  it('projects only hours that can hold data for an unfiltered query: about 8,760 a year, not 678,528', () => {
    const now = Date.now();
    const hoursSince2024 = Math.floor((now - Date.UTC(2024, 0, 1)) / 3_600_000) + 1;
    const counts = Object.fromEntries(
      Object.values(tablesOf(fixture.template)).map((input) => [input.Name, projectedPartitions(input, now)]),
    );
    expect(counts.crm_deals).toBe(hoursSince2024);
    expect(counts.dead_letters).toBe(hoursSince2024 * 4);
  });

  it('finds every Firehose prefix at the location its table projects for the same hour', () => {
    const at = new Date('2026-03-04T05:06:07Z');
    const landedHour = javaDate(LANDED_HOUR_DATE_FORMAT, at);
    const locations = Object.values(tablesOf(fixture.template)).map((input) =>
      renderedPath(input.Parameters['storage.location.template']).replaceAll(placeholder('landed_hour'), landedHour),
    );
    const prefixes = Object.values(fixture.template.findResources('AWS::KinesisFirehose::DeliveryStream')).map(
      (resource) => renderPrefix(resource.Properties.ExtendedS3DestinationConfiguration.Prefix as string, at),
    );
    const tableReads = (prefix: string) =>
      locations.some(
        (location) => `/${prefix}` === location.replaceAll(placeholder('dlq_stream'), prefix.split('/')[1] ?? ''),
      );
    const read = prefixes.filter(tableReads);
    // Every JSON records, projection and dead-letter prefix is read; only the CBOR folders are not.
    expect(read.length).toBeGreaterThan(0);
    expect(prefixes.filter((prefix) => !tableReads(prefix)).sort()).toEqual([
      'streams/documents/year=2026/month=03/day=04/hour=05/',
      'streams/profiles/year=2026/month=03/day=04/hour=05/',
    ]);
  });

  it('reads a gzip stream with the same text input format, which decompresses .gz objects', () => {
    const deals = table(fixture.template, 'crm_deals');
    expect(deals.StorageDescriptor.SerdeInfo.SerializationLibrary).toBe(HIVE_JSON_SERDE);
    fixture.template.hasResourceProperties('AWS::Glue::Table', {
      TableInput: { Name: 'crm_deals', StorageDescriptor: { InputFormat: 'org.apache.hadoop.mapred.TextInputFormat' } },
    });
  });

  it('reads each line of a schemaless stream whole, split on a character no JSON line holds', () => {
    const events = table(example.template, 'events');
    expect(events.StorageDescriptor.SerdeInfo).toEqual({
      SerializationLibrary: LAZY_SIMPLE_SERDE,
      Parameters: { 'field.delim': RAW_LINE_DELIMITER },
    });
    expect(RAW_LINE_DELIMITER.codePointAt(0)).toBe(1);
    expect(() => JSON.parse(`"a${RAW_LINE_DELIMITER}b"`)).toThrow();
  });
});

describe('the dead_letters table', () => {
  it('reads dlq/ with the dead-letter line columns and projects the stream folder as an enum', () => {
    const dead = table(fixture.template, 'dead_letters');
    expect(dead.StorageDescriptor.Columns.map((column) => column.Name)).toEqual([
      'tenant',
      'stream',
      'request_id',
      'received_at',
      'index',
      'problem',
      'reasons',
      'reasons_truncated',
      'record',
      'record_truncated',
    ]);
    expect(dead.PartitionKeys.map((key) => key.Name)).toEqual(['dlq_stream', 'landed_hour']);
    expect(dead.Parameters).toMatchObject({
      'projection.dlq_stream.type': 'enum',
      'projection.dlq_stream.values': 'crm-deals,clicks,profiles,documents',
    });
    fixture.template.hasResourceProperties('AWS::Glue::Table', {
      TableInput: {
        Name: 'dead_letters',
        Parameters: {
          'storage.location.template': bucketPath(`/dlq/\${dlq_stream}/\${landed_hour}/`),
        },
        StorageDescriptor: { Location: bucketPath('/dlq/') },
      },
    });
  });
});

describe('the Athena workgroup', () => {
  it('enforces its settings, runs engine v3 and writes KMS-encrypted results to athena-results/', () => {
    example.template.hasResourceProperties('AWS::Athena::WorkGroup', {
      Name: 'sluice-example',
      WorkGroupConfiguration: {
        EnforceWorkGroupConfiguration: true,
        EngineVersion: { SelectedEngineVersion: 'Athena engine version 3' },
        ResultConfiguration: {
          OutputLocation: bucketPath('/athena-results/'),
          EncryptionConfiguration: {
            EncryptionOption: 'SSE_KMS',
            KmsKey: { 'Fn::GetAtt': [Match.stringLikeRegexp('^LandingDataKey'), 'Arn'] },
          },
        },
      },
    });
  });

  it('cuts a query off at 10 GiB by default and at the configured 10 MiB', () => {
    example.template.hasResourceProperties('AWS::Athena::WorkGroup', {
      WorkGroupConfiguration: { BytesScannedCutoffPerQuery: 10 * 1024 ** 3 },
    });
    fixture.template.hasResourceProperties('AWS::Athena::WorkGroup', {
      WorkGroupConfiguration: { BytesScannedCutoffPerQuery: 10 * 1024 ** 2 },
    });
  });

  it('holds one named query per table with exactly the example SQL of the docs', () => {
    for (const [name, sql] of Object.entries(EXAMPLE_QUERIES)) {
      example.template.hasResourceProperties('AWS::Athena::NamedQuery', {
        Name: `${name}: example`,
        Database: 'sluice_example',
        WorkGroup: 'sluice-example',
        QueryString: sql,
      });
    }
    // Plus records per hour of `github` (no example SQL of its own), and the run-once view query
    // of `events`, which the example's sample source pulls into.
    example.template.hasResourceProperties('AWS::Athena::NamedQuery', {
      Name: 'github: example',
      QueryString: exampleQuery('github'),
    });
    example.template.resourceCountIs('AWS::Athena::NamedQuery', Object.keys(EXAMPLE_QUERIES).length + 2);
  });

  it('holds a run-once query that creates the latest view of a pulled stream', () => {
    const deals = table(fixture.template, 'crm_deals').StorageDescriptor.Columns.map(({ Name, Type }) => ({
      name: Name,
      type: Type,
    }));
    fixture.template.hasResourceProperties('AWS::Athena::NamedQuery', {
      Name: 'crm_deals_latest: create the view (run once)',
      QueryString: `CREATE OR REPLACE VIEW crm_deals_latest AS\n${latestViewSql('crm-deals', deals)}`,
    });
    // Only pulled streams get one: in the example, `events` (the sample source), not `orders`.
    const latestViews = example.template.findResources('AWS::Athena::NamedQuery', {
      Properties: { Name: Match.stringLikeRegexp('_latest') },
    });
    expect(Object.values(latestViews).map((query) => query.Properties.Name)).toEqual([
      'events_latest: create the view (run once)',
    ]);
  });
});

describe('the analyst query policy', () => {
  type Statement = { Sid: string; Action: string | string[]; Resource: unknown; Condition?: unknown };
  const statements = (): Statement[] => {
    const policies = Object.values(
      fixture.template.findResources('AWS::IAM::ManagedPolicy', {
        Properties: { Description: Match.stringLikeRegexp('query the analyst tables') },
      }),
    ) as { Properties: { PolicyDocument: { Statement: Statement[] } } }[];
    expect(policies).toHaveLength(1);
    return policies[0]?.Properties.PolicyDocument.Statement ?? [];
  };

  it('reads objects only under streams/, dlq/ and athena-results/ and writes only results', () => {
    const byId = Object.fromEntries(statements().map((statement) => [statement.Sid, statement]));
    expect(byId.ReadTheLandedObjects?.Action).toBe('s3:GetObject');
    const read = JSON.stringify(byId.ReadTheLandedObjects?.Resource);
    for (const prefix of ['/streams/*', '/dlq/*', '/athena-results/*']) expect(read).toContain(prefix);
    expect(read).not.toContain('/errors/');
    expect(byId.WriteQueryResults?.Action).toEqual(['s3:AbortMultipartUpload', 's3:PutObject']);
    expect(JSON.stringify(byId.WriteQueryResults?.Resource)).toContain('/athena-results/*');
    expect(JSON.stringify(statements())).not.toMatch(/"(s3|glue|athena|kms):\*"|s3:DeleteObject/);
  });

  it("lets Athena find the results bucket's location, which it asks for without a prefix", () => {
    const byId = Object.fromEntries(statements().map((statement) => [statement.Sid, statement]));
    const locating = statements().filter((statement) => [statement.Action].flat().includes('s3:GetBucketLocation'));
    expect(locating).toHaveLength(1);
    expect(locating[0]?.Condition).toBeUndefined();
    expect(byId.ListTheLandedPrefixes?.Action).toBe('s3:ListBucket');
    expect(JSON.stringify(byId.ListTheLandedPrefixes?.Condition)).toContain('s3:prefix');
  });

  it('creates and replaces only the _latest views, never a table of the stack', () => {
    const writing = statements().filter((statement) =>
      [statement.Action].flat().some((action) => action === 'glue:CreateTable' || action === 'glue:UpdateTable'),
    );
    expect(writing.map((statement) => statement.Sid)).toEqual(['CreateTheNamedViews']);
    const resources = JSON.stringify(writing[0]?.Resource);
    expect(resources).toContain(':table/sluice_fixture_analyst/*_latest');
    expect(resources).not.toContain(':table/sluice_fixture_analyst/*"');
  });

  it('uses the data key only through S3 in its region', () => {
    const byId = Object.fromEntries(statements().map((statement) => [statement.Sid, statement]));
    expect(byId.DecryptAndEncryptWithTheDataKey?.Condition).toEqual({
      StringEquals: { 'kms:ViaService': { 'Fn::Join': ['', ['s3.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } },
    });
  });

  it('expires query results after 30 days, so athena-results/ does not grow for ever', () => {
    fixture.template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({
            Id: 'expire-athena-results',
            Prefix: 'athena-results/',
            ExpirationInDays: 30,
            Status: 'Enabled',
          }),
        ]),
      },
    });
  });

  it('runs queries only in the tenant workgroup and reads only its database', () => {
    const byId = Object.fromEntries(statements().map((statement) => [statement.Sid, statement]));
    expect(JSON.stringify(byId.RunQueriesInTheWorkGroup?.Resource)).toContain(':workgroup/sluice-fixture-analyst');
    expect(JSON.stringify(byId.ReadTheCatalog?.Resource)).toContain(':table/sluice_fixture_analyst/*');
  });
});

describe('outputs and cdk-nag', () => {
  it('outputs the database, the workgroup, the table names and the policy', () => {
    const outputs = fixture.template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(outputs[STACK_OUTPUTS.glueDatabase]?.Value).toBe('sluice_fixture_analyst');
    expect(outputs[STACK_OUTPUTS.athenaWorkGroup]?.Value).toBe('sluice-fixture-analyst');
    expect(outputs[STACK_OUTPUTS.analystTables]?.Value).toBe('crm_deals,clicks,documents,dead_letters');
    expect(outputs[STACK_OUTPUTS.analystQueryPolicy]).toBeDefined();
  });

  it('leaves no unacknowledged AwsSolutions finding', () => {
    expect(example.nagViolations.map((violation) => violation.ruleName)).toEqual([]);
    expect(fixture.nagViolations.map((violation) => violation.ruleName)).toEqual([]);
  });
});

describe("an XML stream's JSON projection", () => {
  const firehoses = () =>
    Object.entries(fixture.template.findResources('AWS::KinesisFirehose::DeliveryStream')) as [
      string,
      { Properties: { DeliveryStreamName: string; ExtendedS3DestinationConfiguration: Record<string, unknown> } },
    ][];

  it('lands through its own Firehose stream under streams/<stream>/json/ as gzipped NDJSON', () => {
    const projection = firehoses().find(
      ([, fh]) => fh.Properties.DeliveryStreamName === 'sluice.fixture-analyst.documents.json',
    );
    expect(projection?.[1].Properties.ExtendedS3DestinationConfiguration).toMatchObject({
      Prefix: jsonProjectionPrefix('documents'),
      FileExtension: '.ndjson.gz',
      CompressionFormat: 'GZIP',
    });
    expect(
      firehoses().some(([, fh]) => fh.Properties.DeliveryStreamName === 'sluice.fixture-analyst.profiles.json'),
    ).toBe(false);
  });

  it("is bound in the ingest function's delivery targets, and only for the projected stream", () => {
    const targets = deliveryTargets(fixture.template, 'fixture-analyst') as Record<string, Record<string, unknown>>;
    expect(targets.documents).toEqual({
      records: { kind: 'firehose', name: 'sluice.fixture-analyst.documents' },
      jsonProjection: true,
    });
    expect(targets.profiles).toEqual({ records: { kind: 'firehose', name: 'sluice.fixture-analyst.profiles' } });
  });

  it('lets the ingest function put records to it', () => {
    type Statement = { Action: unknown; Resource: unknown };
    const [id] =
      firehoses().find(([, fh]) => fh.Properties.DeliveryStreamName === 'sluice.fixture-analyst.documents.json') ?? [];
    const statements = Object.values(fixture.template.findResources('AWS::IAM::Policy'))
      .filter((policy) => JSON.stringify(policy.Properties?.Roles ?? []).includes('"IngestRole'))
      .flatMap(
        (policy) => (policy.Properties as { PolicyDocument: { Statement: Statement[] } }).PolicyDocument.Statement,
      );
    const puts = statements.filter((statement) =>
      JSON.stringify(statement.Resource).includes(JSON.stringify({ 'Fn::GetAtt': [id, 'Arn'] })),
    );
    expect(puts.map((statement) => statement.Action)).toEqual(['firehose:PutRecordBatch']);
  });

  it('has a table of raw lines over streams/<stream>/json/ with the hourly projection there', () => {
    const documents = table(fixture.template, 'documents');
    expect(documents.StorageDescriptor.Columns).toEqual([{ Name: 'record', Type: 'string' }]);
    expect(documents.StorageDescriptor.SerdeInfo.SerializationLibrary).toBe(LAZY_SIMPLE_SERDE);
    fixture.template.hasResourceProperties('AWS::Glue::Table', {
      TableInput: {
        Name: 'documents',
        StorageDescriptor: { Location: bucketPath('/streams/documents/json/') },
        Parameters: Match.objectLike({
          'storage.location.template': {
            'Fn::Join': ['', Match.arrayWith([`/streams/documents/json/${placeholder('landed_hour')}/`])],
          },
        }),
      },
    });
  });
});
