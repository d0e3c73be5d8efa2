/**
 * The Sluice client: `send` buffers records per stream (waiting while the buffer is full),
 * batches are cut within the stream's limits and posted with an Idempotency-Key each, and
 * `flush` resolves when every buffered record has an answer. With a spool, a record is on disk
 * before `send` resolves and a batch's key before it is posted.
 */
import { type DeliveryContext, deliverBatch, type OutgoingBatch } from './batch-delivery.ts';
import { DEFAULT_MAX_BYTES, MAX_BATCH_RECORDS } from './contract-constants.ts';
import type { ClientStats, Failure, Rejection, RetryNotice } from './delivery-outcome.ts';
import { defaultGzipAboveBytes } from './gzip-body.ts';
import { type JsonObject, recordText, utf8Length } from './record-text.ts';
import type { Backoff } from './retry-policy.ts';
import type { Spool, SpoolState } from './spool-port.ts';
import { type TokenProvider, TokenSource } from './token-source.ts';

/** How a stream takes records; `sluice client types` writes these for every stream of a tenant. */
export interface StreamSettings {
  /** JSON (default) or XML documents. */
  readonly payload?: 'json' | 'xml';
  /** Whether the stream takes batch posts (`batch: true` in the tenant config); otherwise one post per record. */
  readonly batch?: boolean;
  /** The stream's `maxBytes` (default 260,096). */
  readonly maxBytes?: number;
}

/** Options of {@link SluiceClient}. */
export interface SluiceClientOptions<Streams> {
  /** The API's base URL, such as `https://abc.execute-api.eu-west-1.amazonaws.com`. */
  readonly url: string;
  /** A bearer token, or a function called for a new one before it expires and once after a 401. */
  readonly token: TokenProvider;
  /** Settings per stream; a stream not named takes single JSON posts of the default size. */
  readonly streams?: { readonly [S in keyof Streams]?: StreamSettings };
  /** Longest time a record waits for its batch to fill (default 50 ms). */
  readonly lingerMs?: number;
  /** Most records per batch (default and most: 500). */
  readonly maxBatchRecords?: number;
  /** Bytes of records buffered or in flight before `send` waits (default 8 MiB). */
  readonly maxBufferedBytes?: number;
  /** Requests in flight at once (default 4). */
  readonly maxConcurrentRequests?: number;
  /** Attempts per batch before its records are reported as failed (default 10). */
  readonly maxAttempts?: number;
  /** Backoff without `Retry-After` (default 200 ms doubling to 10 s, half of each step random). */
  readonly backoff?: Backoff;
  /**
   * Bodies of at least this many bytes are sent gzipped (default 64 KiB, and never to a loopback
   * host such as a local `sluice dev`, where it costs more than it saves; `Infinity` never).
   */
  readonly gzipAboveBytes?: number;
  /** Time limit of one request (default 60 s); past it the request counts as a network error. */
  readonly requestTimeoutMs?: number;
  /** Extra headers of every request (such as `x-sluice-tenant`). */
  readonly headers?: Readonly<Record<string, string>>;
  /** A durable spool (`@sluice/client/spool` on Node). */
  readonly spool?: Spool;
  /** Called for each record the server refused; it is not retried. */
  readonly onRejected?: (rejection: Rejection) => void;
  /** Called for records still unanswered after every attempt. */
  readonly onFailed?: (failure: Failure) => void;
  /** Called before each retry. */
  readonly onRetry?: (notice: RetryNotice) => void;
  /** The fetch to use (default: the global one). */
  readonly fetch?: typeof fetch;
}

/** The answer of {@link SluiceClient.flush}: counts since the client started. */
export type FlushResult = Readonly<ClientStats>;

interface Buffered {
  readonly seq: number;
  readonly text: string;
  readonly bytes: number;
}

interface StreamQueue {
  readonly name: string;
  readonly settings: Required<StreamSettings>;
  readonly records: Buffered[];
  bytes: number;
  due: boolean;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/** Bytes a sender may buffer without awaiting anything before it yields to the event loop once. */
const YIELD_EVERY_BYTES = 64 * 1024;

/** Resolves on the next turn of the event loop (setImmediate on Node and Bun, else a timer). */
function yieldToEventLoop(): Promise<void> {
  const immediate = (globalThis as { setImmediate?: (callback: () => void) => unknown }).setImmediate;
  return new Promise((resolve) => (immediate ? immediate(resolve) : setTimeout(resolve, 0)));
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The size of the body of records whose sizes, each counted with a newline, sum to `bytes`: the
 * body has no newline after its last record (batch-delivery.ts).
 */
const bodyBytes = (bytes: number) => bytes - 1;

/** A client of one Sluice API. `Streams` maps each stream to its record type (`sluice client types`). */
export class SluiceClient<Streams extends { [stream: string]: unknown } = { [stream: string]: JsonObject | string }> {
  /** Counts since the client started. */
  readonly stats: ClientStats = { accepted: 0, rejected: 0, failed: 0, requests: 0, retries: 0 };
  readonly #options: SluiceClientOptions<Streams>;
  readonly #context: DeliveryContext;
  readonly #queues = new Map<string, StreamQueue>();
  readonly #recovered: OutgoingBatch[] = [];
  readonly #spaceWaiters: (() => void)[] = [];
  readonly #idleWaiters: (() => void)[] = [];
  readonly #nextSeq = new Map<string, number>();
  readonly #ready: Promise<SpoolState | undefined>;
  #bufferedBytes = 0;
  #inFlight = 0;
  #appending = 0;
  #flushing = 0;
  #closed = false;
  #opened = false;
  #sinceYield = 0;
  #batchCount = 0;
  readonly #keyPrefix = crypto.randomUUID();

  constructor(options: SluiceClientOptions<Streams>) {
    this.#options = options;
    this.#context = {
      baseUrl: options.url.replace(/\/+$/, ''),
      tokens: new TokenSource(options.token),
      headers: options.headers ?? {},
      fetch: options.fetch ?? ((input, init) => fetch(input, init)),
      maxAttempts: options.maxAttempts ?? 10,
      backoff: options.backoff ?? { baseMs: 200, capMs: 10_000 },
      gzipAboveBytes: options.gzipAboveBytes ?? defaultGzipAboveBytes(options.url),
      requestTimeoutMs: options.requestTimeoutMs ?? 60_000,
      stats: this.stats,
      onRejected: options.onRejected ?? (() => {}),
      onFailed: options.onFailed ?? (() => {}),
      onRetry: options.onRetry ?? (() => {}),
      sleep,
    };
    this.#ready = options.spool
      ? options.spool.open().then((state) => this.#recover(state))
      : Promise.resolve(undefined);
    // A spool that cannot be opened surfaces in send and flush; this keeps it from being unhandled meanwhile.
    this.#ready.catch(() => {});
  }

  /** Buffers one record; resolves when it is accepted into the buffer (with a spool: on disk). */
  send<S extends keyof Streams & string>(stream: S, record: Streams[S]): Promise<void> {
    return this.sendMany(stream, [record]);
  }

  /**
   * Buffers several records at once (one disk write with a spool). `cursor` is stored with them in
   * the spool, and {@link resumeCursor} gives it back to the next client on the same spool.
   */
  sendMany<S extends keyof Streams & string>(
    stream: S,
    records: readonly Streams[S][],
    options: { cursor?: string } = {},
  ): Promise<void> {
    if (this.#closed) return Promise.reject(new Error('the Sluice client is closed'));
    // The common case without a spool and with room in the buffer takes no await at all: a
    // sender awaiting each record then costs a few microseconds per record, not a chain of ticks.
    if (this.#opened && !this.#options.spool) {
      const queue = this.#queue(stream);
      const accepted = this.#admissible(queue, records);
      const total = totalBytes(accepted);
      if (this.#hasRoom(total)) {
        this.#bufferedBytes += total;
        this.#enqueue(queue, this.#numbered(stream, accepted));
        this.#sinceYield += total;
        if (this.#sinceYield < YIELD_EVERY_BYTES) return Promise.resolve();
        // A sender awaiting each record never leaves the microtask queue while sends resolve at
        // once, so the sockets would not be served until the buffer is full: give them a turn.
        this.#sinceYield = 0;
        return yieldToEventLoop();
      }
      return this.#sendWaiting(queue, accepted, options);
    }
    return this.#ready.then(() => this.#sendWaiting(this.#queue(stream), undefined, options, records));
  }

  async #sendWaiting(
    queue: StreamQueue,
    admitted: Buffered[] | undefined,
    options: { cursor?: string },
    records: readonly unknown[] = [],
  ): Promise<void> {
    this.#appending += 1;
    try {
      const accepted = admitted ?? this.#admissible(queue, records);
      const total = totalBytes(accepted);
      // Backpressure: wait while the buffer is full, but always take records into an empty one.
      while (!this.#hasRoom(total)) await new Promise<void>((resolve) => this.#spaceWaiters.push(resolve));
      this.#bufferedBytes += total;
      const numbered = this.#numbered(queue.name, accepted);
      if (this.#options.spool && (numbered.length > 0 || options.cursor !== undefined)) {
        try {
          await this.#options.spool.append(
            numbered.map(({ seq, text }) => ({ stream: queue.name, seq, text })),
            options.cursor,
          );
        } catch (error) {
          this.#release(total);
          throw error;
        }
      }
      this.#enqueue(queue, numbered);
    } finally {
      this.#appending -= 1;
      this.#settle();
    }
  }

  /** The records' texts and sizes; a record over the stream's limit is rejected here, unsent. */
  #admissible(queue: StreamQueue, records: readonly unknown[]): Buffered[] {
    const accepted: Buffered[] = [];
    for (const record of records) {
      const text = recordText(record, queue.settings.payload);
      const bytes = utf8Length(text) + 1;
      if (bodyBytes(bytes) > queue.settings.maxBytes) {
        this.stats.rejected += 1;
        this.#context.onRejected({
          stream: queue.name,
          record: text,
          status: 413,
          problem: {
            title: 'Record over the stream limit',
            limit_bytes: queue.settings.maxBytes,
            size_bytes: bodyBytes(bytes),
          },
        });
        continue;
      }
      accepted.push({ seq: -1, text, bytes });
    }
    return accepted;
  }

  #hasRoom(bytes: number): boolean {
    return this.#bufferedBytes === 0 || this.#bufferedBytes + bytes <= (this.#options.maxBufferedBytes ?? 8 << 20);
  }

  /** Gives the records their sequence numbers in the stream (the spool's cuts name ranges of them). */
  #numbered(stream: string, records: Buffered[]): Buffered[] {
    const first = this.#nextSeq.get(stream) ?? 0;
    this.#nextSeq.set(stream, first + records.length);
    return records.map((record, index) => ({ seq: first + index, text: record.text, bytes: record.bytes }));
  }

  /** The cursor stored with the last records an earlier client put in the same spool. */
  async resumeCursor(): Promise<string | undefined> {
    return (await this.#ready)?.cursor;
  }

  /** Sends everything buffered now; resolves when every record so far has an answer (or failed). */
  async flush(): Promise<FlushResult> {
    await this.#ready;
    this.#flushing += 1;
    try {
      this.#pump();
      while (!this.#idle()) await new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
    } finally {
      this.#flushing -= 1;
    }
    return { ...this.stats };
  }

  /** Flushes, then stops taking records and releases the spool. */
  async close(): Promise<FlushResult> {
    const result = await this.flush();
    this.#closed = true;
    await this.#options.spool?.close();
    return result;
  }

  #recover(state: SpoolState): SpoolState {
    this.#opened = true;
    for (const [stream, seq] of Object.entries(state.nextSeq)) this.#nextSeq.set(stream, seq);
    for (const batch of state.batches) {
      const queue = this.#queue(batch.stream);
      this.#bufferedBytes += batch.records.reduce((sum, text) => sum + utf8Length(text) + 1, 0);
      this.#recovered.push({
        key: batch.key,
        stream: batch.stream,
        framing: framing(queue.settings),
        records: batch.records,
      });
    }
    const byStream = new Map<string, Buffered[]>();
    for (const record of state.records) {
      const list = byStream.get(record.stream) ?? [];
      list.push({ seq: record.seq, text: record.text, bytes: utf8Length(record.text) + 1 });
      byStream.set(record.stream, list);
    }
    for (const [stream, records] of byStream) {
      this.#bufferedBytes += records.reduce((sum, record) => sum + record.bytes, 0);
      this.#enqueue(this.#queue(stream), records);
    }
    queueMicrotask(() => this.#pump());
    return state;
  }

  #queue(stream: string): StreamQueue {
    let queue = this.#queues.get(stream);
    if (!queue) {
      const given = (this.#options.streams as Record<string, StreamSettings | undefined> | undefined)?.[stream] ?? {};
      const payload = given.payload ?? 'json';
      queue = {
        name: stream,
        settings: {
          payload,
          batch: payload === 'json' && (given.batch ?? false),
          maxBytes: given.maxBytes ?? DEFAULT_MAX_BYTES,
        },
        records: [],
        bytes: 0,
        due: false,
        timer: undefined,
      };
      this.#queues.set(stream, queue);
    }
    return queue;
  }

  #enqueue(queue: StreamQueue, records: readonly Buffered[]): void {
    if (records.length === 0) return;
    queue.records.push(...records);
    queue.bytes += records.reduce((sum, record) => sum + record.bytes, 0);
    if (!queue.timer && !queue.due) {
      queue.timer = setTimeout(() => {
        queue.timer = undefined;
        queue.due = true;
        this.#pump();
      }, this.#options.lingerMs ?? 50);
    }
    this.#pump();
  }

  #full(queue: StreamQueue): boolean {
    if (!queue.settings.batch) return queue.records.length > 0;
    return queue.records.length >= this.#maxRecords() || queue.bytes > queue.settings.maxBytes;
  }

  #maxRecords(): number {
    return Math.min(MAX_BATCH_RECORDS, Math.max(1, this.#options.maxBatchRecords ?? MAX_BATCH_RECORDS));
  }

  /** Starts requests while there are free slots and batches ready to cut. */
  #pump(): void {
    const slots = this.#options.maxConcurrentRequests ?? 4;
    while (this.#inFlight < slots) {
      const recovered = this.#recovered.shift();
      if (recovered) {
        this.#start(recovered, undefined);
        continue;
      }
      const queue = [...this.#queues.values()].find(
        (candidate) => candidate.records.length > 0 && (candidate.due || this.#flushing > 0 || this.#full(candidate)),
      );
      if (!queue) break;
      this.#start(undefined, queue);
    }
    this.#settle();
  }

  #cut(queue: StreamQueue): { batch: OutgoingBatch; from: number; to: number; bytes: number } {
    const limit = queue.settings.batch ? this.#maxRecords() : 1;
    let count = 0;
    let bytes = 0;
    for (const record of queue.records) {
      if (count >= limit || (count > 0 && bodyBytes(bytes + record.bytes) > queue.settings.maxBytes)) break;
      count += 1;
      bytes += record.bytes;
    }
    const taken = queue.records.splice(0, count);
    queue.bytes -= bytes;
    if (queue.records.length === 0) {
      queue.due = false;
      if (queue.timer) clearTimeout(queue.timer);
      queue.timer = undefined;
    }
    this.#batchCount += 1;
    const batch: OutgoingBatch = {
      key: `${this.#keyPrefix}-${this.#batchCount}`,
      stream: queue.name,
      framing: framing(queue.settings),
      records: taken.map((record) => record.text),
    };
    return { batch, from: taken[0]?.seq ?? 0, to: taken.at(-1)?.seq ?? 0, bytes };
  }

  #start(recovered: OutgoingBatch | undefined, queue: StreamQueue | undefined): void {
    this.#inFlight += 1;
    const cut = queue ? this.#cut(queue) : undefined;
    const batch = recovered ?? cut?.batch;
    if (!batch) return;
    const bytes = cut?.bytes ?? batch.records.reduce((sum, text) => sum + utf8Length(text) + 1, 0);
    const spool = this.#options.spool;
    const run = async () => {
      // The key is on disk before the batch is posted: a crash in between resends it with that key.
      if (spool && cut) await spool.cut({ key: batch.key, stream: batch.stream, from: cut.from, to: cut.to });
      const delivered = await deliverBatch(batch, this.#context);
      if (spool && delivered) await spool.ack(batch.key);
    };
    run()
      .catch((error: unknown) => {
        this.stats.failed += batch.records.length;
        this.#context.onFailed({ stream: batch.stream, records: batch.records, reason: (error as Error).message });
      })
      .finally(() => {
        this.#inFlight -= 1;
        this.#release(bytes);
        this.#pump();
      });
  }

  #release(bytes: number): void {
    this.#bufferedBytes -= bytes;
    for (const wake of this.#spaceWaiters.splice(0)) wake();
  }

  #idle(): boolean {
    return (
      this.#inFlight === 0 &&
      this.#appending === 0 &&
      this.#recovered.length === 0 &&
      [...this.#queues.values()].every((queue) => queue.records.length === 0)
    );
  }

  #settle(): void {
    if (this.#idleWaiters.length > 0 && this.#idle()) for (const wake of this.#idleWaiters.splice(0)) wake();
  }
}

function totalBytes(records: readonly Buffered[]): number {
  let total = 0;
  for (const record of records) total += record.bytes;
  return total;
}

function framing(settings: Required<StreamSettings>): OutgoingBatch['framing'] {
  if (settings.payload === 'xml') return 'xml';
  return settings.batch ? 'ndjson' : 'json';
}
