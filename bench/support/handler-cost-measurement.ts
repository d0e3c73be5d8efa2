/**
 * The measuring side of benchmark 1 (bench/handler-cost.ts): the real handler (middy,
 * Powertools Logger, the core, AwsDelivery over a real FirehoseClient whose transport answers
 * at once, the EMF line of its metrics and log fields as on AWS) on payload-format-2.0 events,
 * against a baseline that does the work no ingest path
 * can skip for the same input: parse, schema check and one PutRecordBatch through the same
 * client and transport. The ratio is what Sluice's own layers add (ADR 0006). It runs bundled
 * as the ingest function is (bundled-measurement.ts), reports to stderr and sends its results
 * to the parent process.
 */
import { PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { encode as cborEncode } from 'cbor-x';
import { XMLParser } from 'fast-xml-parser';
import * as v from 'valibot';
import { AwsDelivery } from '#functions/delivery/aws-delivery';
import { FirehoseDelivery } from '#functions/delivery/firehose-delivery';
import { emfRequestLines } from '#functions/ingest/create-aws-ingest-handler';
import { createIngestHandler } from '#functions/ingest/create-ingest-handler';
import { createLambdaContext } from '#local/gateway/lambda-context';
import { DEFAULT_MAX_BYTES, INGEST_FUNCTION_TIMEOUT_MS } from '#shared/contract/contract';
import type { DeliveryBindings } from '#shared/ports/delivery-bindings';
import example, { Order } from '#tenants/example';
import { InstantFirehoseTransport, instantFirehoseClient } from './fake-firehose-transport.ts';
import { measure, type Operation, type Timing } from './harness.ts';
import { ingestEvent } from './ingest-events.ts';
import { eventRecord, eventsNdjson, orderRecord, profileXml } from './payloads.ts';
import { round } from './stats.ts';

/** The ratio each targeted case must stay within. */
const HANDLER_TARGET_RATIO = 1.3;
const QUICK = process.env.SLUICE_BENCH_QUICK === '1';
const OPTIONS = QUICK ? { runs: 3, runMs: 100, warmupMs: 200 } : { runs: 7, runMs: 300, warmupMs: 1_000 };

const log = (message: string) => process.stderr.write(`${message}\n`);

interface Case {
  readonly name: string;
  /** False for cases measured only as input to docs/capacity.md. */
  readonly targeted: boolean;
  readonly event: APIGatewayProxyEventV2WithJWTAuthorizer;
  readonly stream: string;
  readonly records: number;
  /** The baseline's parse and schema check; returns the record bytes its PutRecordBatch carries. */
  readonly check: () => Uint8Array[];
  readonly baselineDescription: string;
}

// A record as the Firehose call carries it: the posted text and a newline.
const line = (text: string): Uint8Array => Buffer.from(`${text}\n`, 'utf8');

function cases(): Case[] {
  const order = orderRecord();
  const event = eventRecord();
  const ndjson = eventsNdjson(100);
  const xml = profileXml();
  const largest = eventRecord(DEFAULT_MAX_BYTES);
  // The same options as shared/framing/xml-document.ts: the irreducible parse of that output.
  const xmlParser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@',
    textNodeName: '#text',
    parseTagValue: false,
    parseAttributeValue: false,
    ignoreDeclaration: true,
    ignorePiTags: true,
  });
  const sdk = ' + one PutRecordBatch';
  return [
    {
      name: 'orders 1 KiB, schema',
      event: ingestEvent('example', 'orders', 'application/json', order),
      stream: 'orders',
      targeted: true,
      records: 1,
      check: () => {
        if (!v.safeParse(Order, JSON.parse(order)).success) throw new Error('the bench order is invalid');
        return [line(order)];
      },
      baselineDescription: `JSON.parse + valibot safeParse (Order)${sdk}`,
    },
    {
      name: 'events 1 KiB, schemaless',
      event: ingestEvent('example', 'events', 'application/json', event),
      stream: 'events',
      targeted: true,
      records: 1,
      check: () => {
        JSON.parse(event);
        return [line(event)];
      },
      baselineDescription: `JSON.parse${sdk}`,
    },
    {
      name: 'events NDJSON batch, 100 x 1 KiB',
      event: ingestEvent('example', 'events', 'application/x-ndjson', ndjson),
      stream: 'events',
      targeted: true,
      records: 100,
      check: () =>
        ndjson.split('\n').map((text) => {
          JSON.parse(text);
          return line(text);
        }),
      baselineDescription: `split on \\n + 100 x JSON.parse${sdk} of 100 records`,
    },
    {
      name: 'profiles XML 10 KiB',
      event: ingestEvent('example', 'profiles', 'application/xml', xml),
      stream: 'profiles',
      targeted: true,
      records: 1,
      check: () => [cborEncode(xmlParser.parse(xml))],
      baselineDescription: `fast-xml-parser parse + cbor-x encode${sdk}`,
    },
    {
      name: 'events 254 KiB (capacity input)',
      event: ingestEvent('example', 'events', 'application/json', largest),
      stream: 'events',
      targeted: false,
      records: 1,
      check: () => {
        JSON.parse(largest);
        return [line(largest)];
      },
      baselineDescription: `JSON.parse${sdk}`,
    },
  ];
}

function bindings(): DeliveryBindings {
  const target = (name: string) => ({ kind: 'firehose' as const, name: `sluice-example-${name}` });
  return {
    orders: { records: target('orders'), deadLetter: target('orders-dlq') },
    events: { records: target('events') },
    profiles: { records: target('profiles') },
  };
}

function ratio(handler: Timing | undefined, baseline: Timing | undefined): number {
  if (!handler || !baseline) return Number.NaN;
  return round(handler.microseconds.median / baseline.microseconds.median, 2);
}

async function measureChild(): Promise<void> {
  const transport = new InstantFirehoseTransport();
  const firehose = instantFirehoseClient(transport);
  const targets = bindings();
  const handler = createIngestHandler({
    tenant: example,
    delivery: new AwsDelivery({ firehose: new FirehoseDelivery(firehose, targets) }, targets),
    // Its metrics and log line as the function on AWS writes them.
    ...emfRequestLines(),
  });
  const invoke = async (event: APIGatewayProxyEventV2WithJWTAuthorizer) => {
    const context = createLambdaContext('sluice-example-ingest', INGEST_FUNCTION_TIMEOUT_MS);
    return (await handler(event, context)) as APIGatewayProxyStructuredResultV2;
  };
  // Each operation sets the transport's answer size first, so answering costs no parsing.
  const putRecords = (stream: string, records: readonly Uint8Array[]) => {
    transport.recordsPerCall = records.length;
    return firehose.send(
      new PutRecordBatchCommand({
        DeliveryStreamName: `sluice-example-${stream}`,
        Records: records.map((data) => ({ Data: data })),
      }),
    );
  };

  const operations: Record<string, Operation> = {};
  const all = cases();
  for (const item of all) {
    // Both sides must reach the transport exactly once per request, or the ratio compares
    // different work.
    transport.recordsPerCall = item.records;
    let before = transport.calls;
    const result = await invoke(item.event);
    if (result.statusCode !== 202 || transport.calls !== before + 1) {
      throw new Error(
        `${item.name}: expected a 202 through one PutRecordBatch, got ${result.statusCode}: ${result.body}`,
      );
    }
    before = transport.calls;
    const sent = item.check();
    await putRecords(item.stream, sent);
    if (transport.calls !== before + 1 || sent.length !== item.records) {
      throw new Error(`${item.name}: the baseline must send ${item.records} records in one PutRecordBatch`);
    }
    operations[`baseline: ${item.name}`] = () => putRecords(item.stream, item.check());
    operations[`handler: ${item.name}`] = () => {
      transport.recordsPerCall = item.records;
      return invoke(item.event);
    };
  }
  // The SDK call alone (build, serialise, sign, send, parse): the share of each baseline no
  // client that signs its calls can avoid, and an input to docs/capacity.md.
  const oneRecord = [line(orderRecord())];
  const hundredRecords = eventsNdjson(100).split('\n').map(line);
  operations['sdk: PutRecordBatch 1 x 1 KiB'] = () => putRecords('orders', oneRecord);
  operations['sdk: PutRecordBatch 100 x 1 KiB'] = () => putRecords('events', hundredRecords);

  log(`measuring ${Object.keys(operations).length} operations, ${OPTIONS.runs} runs of ~${OPTIONS.runMs} ms each`);
  const timings = await measure(operations, OPTIONS, log);

  const rows = all.map((item) => {
    const handlerTiming = timings[`handler: ${item.name}`];
    const baselineTiming = timings[`baseline: ${item.name}`];
    const sdk = timings[item.records === 100 ? 'sdk: PutRecordBatch 100 x 1 KiB' : 'sdk: PutRecordBatch 1 x 1 KiB'];
    const handlerUs = handlerTiming?.microseconds.median ?? Number.NaN;
    const baselineUs = baselineTiming?.microseconds.median ?? Number.NaN;
    const r = ratio(handlerTiming, baselineTiming);
    return {
      case: item.name,
      baseline: item.baselineDescription,
      handlerMicroseconds: handlerUs,
      handlerCpuMicroseconds: handlerTiming?.cpuMicroseconds.median ?? Number.NaN,
      baselineMicroseconds: baselineUs,
      baselineCpuMicroseconds: baselineTiming?.cpuMicroseconds.median ?? Number.NaN,
      ratio: r,
      // CPU time is steadier than wall time while other work shares the machine.
      cpuRatio: round(
        (handlerTiming?.cpuMicroseconds.median ?? Number.NaN) / (baselineTiming?.cpuMicroseconds.median ?? Number.NaN),
        2,
      ),
      sluiceLayersMicroseconds: round(handlerUs - baselineUs, 1),
      sdkCallMicroseconds: sdk?.microseconds.median ?? Number.NaN,
      targetMet: item.targeted ? r <= HANDLER_TARGET_RATIO : null,
    };
  });
  for (const row of rows) {
    log(
      `${row.case.padEnd(34)} handler ${row.handlerMicroseconds.toFixed(1).padStart(8)} µs  baseline ${row.baselineMicroseconds.toFixed(1).padStart(8)} µs  ratio ${row.ratio.toFixed(2)} (CPU ${row.cpuRatio.toFixed(2)})  ${row.targetMet === null ? '(no target)' : row.targetMet ? 'met' : 'MISSED'}`,
    );
  }
  for (const name of Object.keys(timings).filter((key) => key.startsWith('sdk'))) {
    log(`${name.padEnd(34)} ${timings[name]?.microseconds.median.toFixed(1).padStart(8)} µs`);
  }
  // Memory after every case ran thousands of times, the 254 KiB posts (the default limit) included.
  const memory = process.memoryUsage();
  const memoryMiB = {
    note: 'this process also holds tsx, the bench harness and every case; the bundled function alone is in cold-start.json',
    maxRss: round(process.resourceUsage().maxRSS / 1024, 1),
    rss: round(memory.rss / 2 ** 20, 1),
    heapUsed: round(memory.heapUsed / 2 ** 20, 1),
    heapTotal: round(memory.heapTotal / 2 ** 20, 1),
  };
  log(`memory after the burst: max RSS ${memoryMiB.maxRss} MiB, heap used ${memoryMiB.heapUsed} MiB`);
  const results: HandlerCostResults = {
    // The Node that measured: this process's (SLUICE_BENCH_NODE may name another than the runner's).
    measuredOnNode: process.version,
    memoryMiB,
    options: OPTIONS,
    target: `handler <= ${HANDLER_TARGET_RATIO} x (parse + schema check + one PutRecordBatch) per case`,
    rows,
    timings,
  };
  process.send?.(results);
}

/** What the measuring process sends its parent, written to bench/results/handler-cost.json. */
export interface HandlerCostResults extends Record<string, unknown> {
  readonly rows: readonly { readonly targetMet: boolean | null }[];
}

if (process.env.SLUICE_BENCH_CHILD === '1') await measureChild();
