/**
 * Benchmark 1, ingest handler cost: the real handler (middy, Powertools Logger, the core,
 * AwsDelivery over a real FirehoseClient whose transport answers at once) on
 * payload-format-2.0 events, against the irreducible work for the same input, in one run.
 *
 * The measuring process writes the handler's log lines to /dev/null (as Lambda takes them
 * from stdout), so it re-runs itself as a child with stdout there; the report goes to stderr.
 */
import { spawn } from 'node:child_process';
import { openSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type _Record, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import { HttpRequest } from '@smithy/core/transport';
import { SignatureV4 } from '@smithy/signature-v4';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { encode as cborEncode } from 'cbor-x';
import { XMLParser } from 'fast-xml-parser';
import * as v from 'valibot';
import { createIngestHandler } from '#functions/ingest/create-ingest-handler';
import { createLambdaContext } from '#local/lambda-context';
import { DEFAULT_MAX_BYTES, INGEST_FUNCTION_TIMEOUT_MS } from '#shared/contract';
import { AwsDelivery } from '#shared/delivery/aws-delivery';
import type { DeliveryBindings } from '#shared/delivery/delivery-bindings';
import { FirehoseDelivery } from '#shared/delivery/firehose-delivery';
import example, { Order } from '#tenants/example';
import { InstantFirehoseTransport, instantFirehoseClient } from './support/fake-firehose-transport.ts';
import { measure, type Operation, type Timing } from './support/harness.ts';
import { ingestEvent } from './support/ingest-events.ts';
import { eventRecord, eventsNdjson, orderRecord, profileXml } from './support/payloads.ts';
import { writeResults } from './support/results.ts';
import { round } from './support/stats.ts';

const COMMAND = 'npm run bench -- handler';
const TARGET_RATIO = 2;
const QUICK = process.env.SLUICE_BENCH_QUICK === '1';
const OPTIONS = QUICK ? { runs: 3, runMs: 100, warmupMs: 200 } : { runs: 7, runMs: 300, warmupMs: 1_000 };

const log = (message: string) => process.stderr.write(`${message}\n`);

interface Case {
  readonly name: string;
  /** False for cases measured only as input to docs/capacity.md. */
  readonly targeted: boolean;
  readonly event: APIGatewayProxyEventV2WithJWTAuthorizer;
  readonly records: number;
  readonly baseline: Operation;
  readonly baselineDescription: string;
}

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
  return [
    {
      name: 'orders 1 KiB, schema',
      event: ingestEvent('example', 'orders', 'application/json', order),
      targeted: true,
      records: 1,
      baseline: () => v.safeParse(Order, JSON.parse(order)),
      baselineDescription: 'JSON.parse + valibot safeParse (Order)',
    },
    {
      name: 'events 1 KiB, schemaless',
      event: ingestEvent('example', 'events', 'application/json', event),
      targeted: true,
      records: 1,
      baseline: () => JSON.parse(event),
      baselineDescription: 'JSON.parse',
    },
    {
      name: 'events NDJSON batch, 100 x 1 KiB',
      event: ingestEvent('example', 'events', 'application/x-ndjson', ndjson),
      targeted: true,
      records: 100,
      baseline: () => {
        for (const line of ndjson.split('\n')) JSON.parse(line);
      },
      baselineDescription: 'split on \\n + 100 x JSON.parse',
    },
    {
      name: 'profiles XML 10 KiB',
      event: ingestEvent('example', 'profiles', 'application/xml', xml),
      targeted: true,
      records: 1,
      baseline: () => cborEncode(xmlParser.parse(xml)),
      baselineDescription: 'fast-xml-parser parse + cbor-x encode',
    },
    {
      name: 'events 254 KiB (capacity input)',
      event: ingestEvent('example', 'events', 'application/json', largest),
      targeted: false,
      records: 1,
      baseline: () => JSON.parse(largest),
      baselineDescription: 'JSON.parse',
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
  });
  // The same handler over a delivery that acknowledges at once without the SDK: what is left is
  // middy, the logger and the ingest core, which splits the handler's cost in two.
  const withoutSdk = createIngestHandler({ tenant: example, delivery: { deliver: () => Promise.resolve() } });
  const invokeWith = (chosen: typeof handler) => async (event: APIGatewayProxyEventV2WithJWTAuthorizer) => {
    const context = createLambdaContext('sluice-example-ingest', INGEST_FUNCTION_TIMEOUT_MS);
    return (await chosen(event, context)) as APIGatewayProxyStructuredResultV2;
  };
  const invoke = invokeWith(handler);
  const invokeWithoutSdk = invokeWith(withoutSdk);

  const operations: Record<string, Operation> = {};
  const all = cases();
  for (const item of all) {
    // Each case sets the transport's answer size first; the check proves the SDK was called.
    transport.recordsPerCall = item.records;
    const before = transport.calls;
    const result = await invoke(item.event);
    if (result.statusCode !== 202 || transport.calls !== before + 1) {
      throw new Error(
        `${item.name}: expected a 202 through one PutRecordBatch, got ${result.statusCode}: ${result.body}`,
      );
    }
    operations[`baseline: ${item.name}`] = item.baseline;
    operations[`handler: ${item.name}`] = () => {
      transport.recordsPerCall = item.records;
      return invoke(item.event);
    };
    operations[`handler without SDK: ${item.name}`] = () => invokeWithoutSdk(item.event);
  }

  // The SDK call alone (build, serialise, sign, send, parse), and SigV4 signing alone.
  const oneRecord = [new TextEncoder().encode(`${orderRecord()}\n`)];
  const hundredRecords = eventsNdjson(100)
    .split('\n')
    .map((line) => new TextEncoder().encode(`${line}\n`));
  const putRecords = (records: readonly Uint8Array[]) => () => {
    transport.recordsPerCall = records.length;
    return firehose.send(
      new PutRecordBatchCommand({
        DeliveryStreamName: 'sluice-example-orders',
        Records: records.map((data): _Record => ({ Data: data })),
      }),
    );
  };
  operations['sdk: PutRecordBatch 1 x 1 KiB'] = putRecords(oneRecord);
  operations['sdk: PutRecordBatch 100 x 1 KiB'] = putRecords(hundredRecords);
  const captured = new CapturingTransport();
  const capturingClient = instantFirehoseClient(captured);
  const signer = new SignatureV4({
    credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' },
    region: 'us-east-1',
    service: 'firehose',
    sha256: capturingClient.config.sha256,
  });
  for (const [name, records] of [
    ['1 x 1 KiB', oneRecord],
    ['100 x 1 KiB', hundredRecords],
  ] as const) {
    captured.recordsPerCall = records.length;
    await capturingClient.send(
      new PutRecordBatchCommand({
        DeliveryStreamName: 'sluice-example-orders',
        Records: records.map((data): _Record => ({ Data: data })),
      }),
    );
    const request = captured.unsigned();
    operations[`sigv4: sign ${name}`] = () => signer.sign(HttpRequest.clone(request));
  }

  log(`measuring ${Object.keys(operations).length} operations, ${OPTIONS.runs} runs of ~${OPTIONS.runMs} ms each`);
  const timings = await measure(operations, OPTIONS, log);

  const rows = all.map((item) => {
    const handlerTiming = timings[`handler: ${item.name}`];
    const baselineTiming = timings[`baseline: ${item.name}`];
    const sdk = timings[item.records === 100 ? 'sdk: PutRecordBatch 100 x 1 KiB' : 'sdk: PutRecordBatch 1 x 1 KiB'];
    const handlerUs = handlerTiming?.microseconds.median ?? Number.NaN;
    const baselineUs = baselineTiming?.microseconds.median ?? Number.NaN;
    const sdkUs = sdk?.microseconds.median ?? Number.NaN;
    const r = ratio(handlerTiming, baselineTiming);
    return {
      case: item.name,
      baseline: item.baselineDescription,
      handlerMicroseconds: handlerUs,
      handlerCpuMicroseconds: handlerTiming?.cpuMicroseconds.median ?? Number.NaN,
      baselineMicroseconds: baselineUs,
      ratio: r,
      handlerWithoutSdkMicroseconds: timings[`handler without SDK: ${item.name}`]?.microseconds.median ?? Number.NaN,
      ratioWithoutSdk: ratio(timings[`handler without SDK: ${item.name}`], baselineTiming),
      sdkCallMicroseconds: sdkUs,
      sdkShareOfHandler: round(sdkUs / handlerUs, 2),
      targetMet: item.targeted ? r <= TARGET_RATIO : null,
    };
  });
  for (const row of rows) {
    log(
      `${row.case.padEnd(34)} handler ${row.handlerMicroseconds.toFixed(1).padStart(8)} µs  baseline ${row.baselineMicroseconds.toFixed(1).padStart(8)} µs  ratio ${row.ratio.toFixed(2)}  (handler without SDK ${row.handlerWithoutSdkMicroseconds.toFixed(1)} µs, ratio ${row.ratioWithoutSdk.toFixed(2)})  ${row.targetMet === null ? '(no target)' : row.targetMet ? 'met' : 'MISSED'}`,
    );
  }
  for (const name of Object.keys(timings).filter((key) => key.startsWith('sdk') || key.startsWith('sigv4'))) {
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
  const file = writeResults('handler-cost', COMMAND, {
    memoryMiB,
    options: OPTIONS,
    target: `handler <= ${TARGET_RATIO} x baseline per case`,
    rows,
    timings,
  });
  log(`results: ${file}`);
}

/** Records the last request before it is signed, to time SigV4 alone on the very same request. */
class CapturingTransport extends InstantFirehoseTransport {
  private last: HttpRequest | undefined;

  override handle(request: HttpRequest) {
    this.last = HttpRequest.clone(request);
    return super.handle(request);
  }

  /** The last request without its signature headers. */
  unsigned(): HttpRequest {
    if (!this.last) throw new Error('no request captured');
    const request = HttpRequest.clone(this.last);
    for (const name of Object.keys(request.headers)) {
      if (
        ['authorization', 'x-amz-date', 'x-amz-content-sha256', 'x-amz-security-token'].includes(name.toLowerCase())
      ) {
        delete request.headers[name];
      }
    }
    return request;
  }
}

function runAsChild(): Promise<number> {
  const devNull = openSync('/dev/null', 'w');
  const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url)], {
    stdio: ['ignore', devNull, 'inherit'],
    env: { ...process.env, SLUICE_BENCH_CHILD: '1', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => resolve(code ?? 1));
  });
}

/** Runs the benchmark (in a child process whose stdout is /dev/null); resolves with its exit code. */
export async function runHandlerCost(): Promise<number> {
  return runAsChild();
}

if (process.env.SLUICE_BENCH_CHILD === '1') {
  await measureChild();
} else if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.exitCode = await runHandlerCost();
}
