/**
 * A Firehose that answers at once, at the SDK's transport level: the client still builds,
 * serialises and signs (SigV4) each PutRecordBatch and parses the answer, so the handler's
 * measured cost holds all of that; only the network round trip is missing.
 */
import { Readable } from 'node:stream';
import { FirehoseClient } from '@aws-sdk/client-firehose';
import type { HttpRequest } from '@smithy/core/transport';
import { HttpResponse } from '@smithy/core/transport';

const HEADERS = { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': 'bench-request' };

/** A request handler that acknowledges every record of a PutRecordBatch. */
export class InstantFirehoseTransport {
  /** Records the next calls carry; the benchmark sets it per case, so answering costs no parsing. */
  recordsPerCall = 1;
  /** Calls handled, to check that the benchmark really went through the SDK. */
  calls = 0;
  private readonly bodies = new Map<number, string>();

  handle(_request: HttpRequest): Promise<{ response: HttpResponse }> {
    this.calls += 1;
    const body = this.body(this.recordsPerCall);
    return Promise.resolve({
      response: new HttpResponse({ statusCode: 200, headers: { ...HEADERS }, body: Readable.from([body]) }),
    });
  }

  private body(count: number): string {
    let body = this.bodies.get(count);
    if (body === undefined) {
      const responses = Array.from({ length: count }, (_, index) => ({
        RecordId: `49546986683135544286507457936321625675700192471156785154${String(index).padStart(4, '0')}`,
      }));
      body = JSON.stringify({ FailedPutCount: 0, Encrypted: false, RequestResponses: responses });
      this.bodies.set(count, body);
    }
    return body;
  }
}

/** A FirehoseClient configured as the ingest function's (handler.ts), over the instant transport. */
export function instantFirehoseClient(transport: InstantFirehoseTransport): FirehoseClient {
  return new FirehoseClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' },
    retryMode: 'standard',
    maxAttempts: 3,
    requestHandler: transport,
  });
}
