/**
 * The Glue table inputs of the analyst tables, as pure data: what Athena needs to read the
 * landed batches without crawlers or `MSCK REPAIR` (partition projection on the key layout).
 */
import type { CfnTable } from 'aws-cdk-lib/aws-glue';
import {
  type Column,
  DEAD_LETTER_COLUMNS,
  DEAD_LETTER_PARTITION_COLUMNS,
  LANDED_HOUR_COLUMN,
  PARTITION_COLUMNS,
  readsRawLines,
  type TableStream,
  tableColumns,
} from '#shared/analytics/analyst-tables';
import { BUCKET_PREFIXES, jsonProjectionFolder, recordsFolder } from '#shared/contract/storage-layout';

/** The Hive JSON SerDe: AWS documents the OpenX SerDe as non-deterministic on duplicate keys, this one is not. */
export const HIVE_JSON_SERDE = 'org.apache.hive.hcatalog.data.JsonSerDe';
/** The delimited text SerDe that reads each raw line into the one `record` column. */
export const LAZY_SIMPLE_SERDE = 'org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe';
/**
 * Field delimiter of the raw-line tables: U+0001. RFC 8259 forbids raw control characters in
 * JSON strings (they must be escaped) and allows only space, tab, CR and LF between tokens, so
 * no JSON line holds it and the whole line stays one field.
 */
export const RAW_LINE_DELIMITER = '\u0001';
/**
 * ISO 8601 date-times as `toISOString()` writes them (Joda patterns), for the timestamps Sluice
 * writes itself (`dead_letters.received_at`); the Hive JSON SerDe otherwise takes only
 * `yyyy-MM-dd HH:mm:ss`. Date-times of a stream's schema are string columns (analyst-tables.ts).
 */
export const TIMESTAMP_FORMATS = [
  "yyyy-MM-dd'T'HH:mm:ss.SSSZZ",
  "yyyy-MM-dd'T'HH:mm:ssZZ",
  "yyyy-MM-dd'T'HH:mm:ss.SSS",
  "yyyy-MM-dd'T'HH:mm:ss",
].join(',');

const TEXT_INPUT = 'org.apache.hadoop.mapred.TextInputFormat';
const TEXT_OUTPUT = 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat';

/**
 * {@link LANDED_HOUR_COLUMN} as a Java date pattern: the hour folders of the key layout, their
 * names quoted as literals, so a date projection of the one column yields the folder path.
 */
export const LANDED_HOUR_DATE_FORMAT = "'year='yyyy'/month='MM'/day='dd'/hour='HH";

/** The first hour the projection offers (Sluice lands no older data), in {@link LANDED_HOUR_DATE_FORMAT}. */
export const FIRST_LANDED_HOUR = 'year=2024/month=01/day=01/hour=00';

/**
 * Partition projection of the hour folders: one date column, hour by hour from
 * {@link FIRST_LANDED_HOUR} to now (UTC, as Firehose names the folders), so an unfiltered query
 * projects only hours that can hold data, and a filter on the column projects only its hours.
 */
function hourProjection(): Record<string, string> {
  return {
    'projection.enabled': 'true',
    [`projection.${LANDED_HOUR_COLUMN}.type`]: 'date',
    [`projection.${LANDED_HOUR_COLUMN}.format`]: LANDED_HOUR_DATE_FORMAT,
    [`projection.${LANDED_HOUR_COLUMN}.range`]: `${FIRST_LANDED_HOUR},NOW`,
    [`projection.${LANDED_HOUR_COLUMN}.interval`]: '1',
    [`projection.${LANDED_HOUR_COLUMN}.interval.unit`]: 'HOURS',
  };
}

const glueColumns = (columns: readonly Column[]): CfnTable.ColumnProperty[] =>
  columns.map(({ name, type }) => ({ name, type }));

function storage(location: string, columns: readonly Column[], raw: boolean): CfnTable.StorageDescriptorProperty {
  return {
    location,
    columns: glueColumns(columns),
    inputFormat: TEXT_INPUT,
    outputFormat: TEXT_OUTPUT,
    // TextInputFormat picks the codec by file extension, so `.ndjson.gz` objects of a gzip
    // stream are read decompressed; Athena engine v3 reads gzip text (docs/analysts.md).
    serdeInfo: raw
      ? { serializationLibrary: LAZY_SIMPLE_SERDE, parameters: { 'field.delim': RAW_LINE_DELIMITER } }
      : { serializationLibrary: HIVE_JSON_SERDE, parameters: { 'timestamp.formats': TIMESTAMP_FORMATS } },
  };
}

/**
 * The Glue table input of one stream's records over `s3://<bucket>/streams/<stream>/`, or for
 * an XML stream over its JSON projection's `streams/<stream>/json/` (Athena cannot read the CBOR).
 */
export function streamTableInput(
  bucketName: string,
  name: string,
  stream: TableStream & { readonly id: string },
  pulled: boolean,
): CfnTable.TableInputProperty {
  const folder = stream.payload === 'xml' ? jsonProjectionFolder(stream.id) : recordsFolder(stream.id);
  const location = `s3://${bucketName}/${folder}`;
  return {
    name,
    description: `Sluice stream ${stream.id}`,
    tableType: 'EXTERNAL_TABLE',
    partitionKeys: PARTITION_COLUMNS.map((name) => ({ name, type: 'string' })),
    parameters: {
      classification: 'json',
      ...hourProjection(),
      'storage.location.template': `${location}\${${LANDED_HOUR_COLUMN}}/`,
    },
    storageDescriptor: storage(location, tableColumns(stream, { pulled }), readsRawLines(stream)),
  };
}

/**
 * The Glue table input of the dead letters over `s3://<bucket>/dlq/`. `dlq_stream` projects as
 * an enum of every stream id: a stream without dead letters simply has no folder.
 */
export function deadLettersTableInput(
  bucketName: string,
  name: string,
  streamIds: readonly string[],
): CfnTable.TableInputProperty {
  const location = `s3://${bucketName}/${BUCKET_PREFIXES.deadLetter}`;
  const [streamColumn] = DEAD_LETTER_PARTITION_COLUMNS;
  return {
    name,
    description: 'Sluice dead letters: rejected records with their reasons',
    tableType: 'EXTERNAL_TABLE',
    partitionKeys: DEAD_LETTER_PARTITION_COLUMNS.map((name) => ({ name, type: 'string' })),
    parameters: {
      classification: 'json',
      ...hourProjection(),
      [`projection.${streamColumn}.type`]: 'enum',
      [`projection.${streamColumn}.values`]: streamIds.join(','),
      'storage.location.template': `${location}\${${streamColumn}}/\${${LANDED_HOUR_COLUMN}}/`,
    },
    storageDescriptor: storage(location, DEAD_LETTER_COLUMNS, false),
  };
}
